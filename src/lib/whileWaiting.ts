/**
 * Work worth doing early but not before an AWS request is on its way: a call waits a round trip for
 * its answer, and what runs while it waits costs no wall time, while what runs before its request is
 * written out delays it (a prefetch queued as a promise runs at the call's first `await`, before the
 * request is even made; a child process spawned then blocks the thread that would write it). The
 * hand-signed calls (layers/awsJson.ts) report when each request starts and when it has been written
 * to its socket. Nothing here waits for a call made any other way (the SDK's): `whileWaiting` work
 * must be a prefetch that whoever needs it later does anyway, and `requestsWritten` never waits for
 * a request that was not started.
 */
/** The bookkeeping of one process's requests (`makeWaits()`: a fresh one, for tests). */
export const makeWaits = () => {
  let unwritten = 0
  let anyWritten = false
  const queued: Array<() => void> = []
  const waiting: Array<() => void> = []
  return {
    /** Run `task` once a request has been written out (at once when one has been). */
    whileWaiting: (task: () => void): void => {
      if (anyWritten) run(task)
      else queued.push(task)
    },
    /** Resolves when every request started so far has been written out (at once when none is pending). */
    requestsWritten: (): Promise<void> => unwritten === 0 ? Promise.resolve() : new Promise((resolve) => waiting.push(resolve)),
    /** A request is being made; the function returned (once: written, or failed before) ends its part here. */
    requestStarted: (): (() => void) => {
      unwritten++
      let ended = false
      return () => {
        if (ended) return
        ended = true
        unwritten--
        anyWritten = true
        for (const task of queued.splice(0)) run(task)
        if (unwritten === 0) for (const resolve of waiting.splice(0)) resolve()
      }
    }
  }
}

const run = (task: () => void) => {
  try {
    task()
  } catch {
    // a prefetch that fails is done again, and reported, by whoever needs it
  }
}

const waits = makeWaits()
export const { requestStarted, requestsWritten, whileWaiting } = waits
