/** aegea's version, from package.json (the bundle inlines it). */
import packageJson from "../../package.json" with { type: "json" }

export const version: string = packageJson.version
