// What tests that compare two implementations on generated input share.

/** A deterministic generator (xorshift): `random(seed)(n)` gives 0..n-1, so a failure names a reproducible input. */
export const random = (seed: number) => {
  let x = seed >>> 0 || 1
  return (n: number): number => {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    return x % n
  }
}

/** Log messages every printer must carry through unchanged: empty, blank, several lines, CRLF. */
export const plainMessages: ReadonlyArray<string> = [
  "event 1 level=info path=/api/v1/items/3 status=200",
  "",
  " ",
  "multi\nline",
  "trailing break\n",
  "windows\r\nbreaks\r\n"
]
