/**
 * What the workflows report while they work, as typed events (`ProgressEvent`): ignored by default;
 * collect them with `collectProgress`, stream them with `progressEvents` or handle each with `withProgress`.
 */
export * from "../services/Progress.ts"
