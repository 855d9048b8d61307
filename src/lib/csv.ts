/**
 * Delimited text for machine consumers. CSV follows RFC 4180: a field is quoted when it contains a
 * comma, a double quote, CR or LF, and quotes inside it are doubled; lines end with "\n".
 * TSV has no quoting: tabs, CR and LF inside a value are each replaced by one space (lossy but
 * `cut -f` / `awk -F'\t'` safe); anything that needs exact round-tripping should use --output json.
 */

const needsCsvQuotes = /[",\r\n]/

export const csvField = (field: string): string =>
  needsCsvQuotes.test(field) ? `"${field.replace(/"/g, '""')}"` : field

export const csvLine = (fields: ReadonlyArray<string>): string => fields.map(csvField).join(",")

export const tsvField = (field: string): string => field.replace(/[\t\r\n]/g, " ")

export const tsvLine = (fields: ReadonlyArray<string>): string => fields.map(tsvField).join("\t")

/** Header line plus one line per row, each ending in "\n". */
export const delimitedText = (
  line: (fields: ReadonlyArray<string>) => string,
  header: ReadonlyArray<string>,
  rows: ReadonlyArray<ReadonlyArray<string>>
): string => [header, ...rows].map((fields) => line(fields) + "\n").join("")
