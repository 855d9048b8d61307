/**
 * Choosing where a spot instance is cheapest. There is no bid logic here: without --spot-price
 * aegea sends no MaxPrice, and AWS then caps the price at the on-demand price (its default), which
 * needs no Pricing API call; the Python aegea's 1.2x on-demand bid could never be charged anyway,
 * since spot instances never cost more than on-demand.
 */

export interface SpotPrice {
  readonly availabilityZone: string
  /** USD per hour. */
  readonly price: number
  readonly timestamp: Date
}

/** The latest price of each zone. */
export const latestPrices = (history: ReadonlyArray<SpotPrice>): ReadonlyMap<string, SpotPrice> => {
  const latest = new Map<string, SpotPrice>()
  for (const p of history) {
    const seen = latest.get(p.availabilityZone)
    if (seen === undefined || p.timestamp.getTime() > seen.timestamp.getTime()) latest.set(p.availabilityZone, p)
  }
  return latest
}

/**
 * The zone among `zones` whose latest price is lowest (ties: alphabetical), or undefined when the
 * history has no price for any of them.
 */
export const cheapestZone = (history: ReadonlyArray<SpotPrice>, zones: ReadonlyArray<string>): SpotPrice | undefined =>
  [...latestPrices(history).values()]
    .filter((p) => zones.includes(p.availabilityZone))
    .sort((a, b) => a.price - b.price || a.availabilityZone.localeCompare(b.availabilityZone))[0]

/** A --spot-price value: a positive decimal number of USD per hour, as EC2 wants it (a string). */
export const isSpotPrice = (s: string): boolean => /^\d+(\.\d+)?$/.test(s) && Number(s) > 0
