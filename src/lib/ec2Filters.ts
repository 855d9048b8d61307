/** EC2 Describe* filters (`--tag`, `--filter`) and judging them on rows where AWS cannot. */

/** EC2 Describe* filters by name ("tag:env", "vpc-id"), each with the values any of which matches. */
export type Ec2Filters = Readonly<Record<string, ReadonlyArray<string>>>

/** As the SDK takes them; nothing when there are none. */
export const toSdkFilters = (filters: Ec2Filters = {}): { Filters?: Array<{ Name: string; Values: Array<string> }> } => {
  const list = Object.entries(filters).map(([Name, values]) => ({ Name, Values: [...values] }))
  return list.length > 0 ? { Filters: list } : {}
}

/** "vpc-id" -> "vpcId", "state" -> "state". */
const camel = (name: string) => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())

/**
 * Whether a row passes EC2-style filters, judged on the row itself: `tag:KEY` against its tags, any
 * other NAME against the field of that name in camelCase (`vpc-id` -> vpcId); a value matches when
 * one of the filter's values equals it (for a list field, one of its items). For listings whose API
 * takes no filters (DescribeSpotFleetRequests) and for the in-memory layers.
 */
export const matchesFilters = (row: Readonly<Record<string, unknown>>, filters: Ec2Filters = {}): boolean =>
  Object.entries(filters).every(([name, values]) => {
    const value = name.startsWith("tag:")
      ? (row["tags"] as Readonly<Record<string, string>> | undefined)?.[name.slice(4)]
      : row[camel(name)]
    const have = Array.isArray(value) ? value.map(String) : value === undefined ? [] : [String(value)]
    return have.some((v) => values.includes(v))
  })
