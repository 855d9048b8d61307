/**
 * How a data channel outlives its WebSocket: the keep-alive (a WebSocket ping every `pingInterval`;
 * no pong within `pongTimeout` counts as a lost connection) and the resumption after a loss
 * (ResumeSession, then the same stream with the new token), retried on a bounded exponential
 * Schedule. Pure values: the live layer (layers/SsmSessionLive.ts) applies them.
 */
import * as Duration from "effect/Duration"
import * as Schedule from "effect/Schedule"

/**
 * How a Session Manager data channel keeps alive and resumes: ping interval, pong timeout, resume
 * attempts and delay.
 */
export interface SessionTimings {
  /** Time between WebSocket pings (default 30 s; the service closes idle streams after ~20 min). */
  readonly pingInterval: Duration.Duration
  /** A ping without a pong for this long means the connection stalled (default 10 s). */
  readonly pongTimeout: Duration.Duration
  /** Resumption attempts after one loss, first included (default 5). */
  readonly resumeAttempts: number
  /** The wait before the second attempt; it doubles each time, up to 8 s (default 500 ms). */
  readonly resumeDelay: Duration.Duration
}

/**
 * The default session timings: ping every 30 s, 10 s pong timeout, 5 resume attempts from 500 ms
 * apart.
 */
export const defaultSessionTimings: SessionTimings = {
  pingInterval: Duration.seconds(30),
  pongTimeout: Duration.seconds(10),
  resumeAttempts: 5,
  resumeDelay: Duration.millis(500)
}

/**
 * The timings, with the environment's overrides: AEGEA_SESSION_PING_INTERVAL and
 * AEGEA_SESSION_PONG_TIMEOUT (seconds, fractions allowed), AEGEA_SESSION_RESUME_ATTEMPTS (1-100).
 * A value that is not a positive number is ignored.
 */
export const sessionTimingsFromEnv = (env: Record<string, string | undefined> = process.env): SessionTimings => {
  const seconds = (name: string) => {
    const text = env[name]?.trim()
    const n = text === undefined || text === "" ? NaN : Number(text)
    return Number.isFinite(n) && n > 0 && n <= 86_400 ? Duration.millis(Math.round(n * 1000)) : undefined
  }
  const attemptsText = env.AEGEA_SESSION_RESUME_ATTEMPTS?.trim()
  const attempts = attemptsText !== undefined && /^\d+$/.test(attemptsText) ? Number(attemptsText) : NaN
  return {
    pingInterval: seconds("AEGEA_SESSION_PING_INTERVAL") ?? defaultSessionTimings.pingInterval,
    pongTimeout: seconds("AEGEA_SESSION_PONG_TIMEOUT") ?? defaultSessionTimings.pongTimeout,
    resumeAttempts: attempts >= 1 && attempts <= 100 ? attempts : defaultSessionTimings.resumeAttempts,
    resumeDelay: defaultSessionTimings.resumeDelay
  }
}

/**
 * The waits between resumption attempts: exponential from `resumeDelay`, at most 8 s each, jittered,
 * `resumeAttempts - 1` retries (the defaults: 5 attempts within about 8 s of waiting, plus the
 * attempts themselves, each bounded by the request timeout and the connection timeout).
 */
export const resumeSchedule = (timings: Pick<SessionTimings, "resumeAttempts" | "resumeDelay">) =>
  Schedule.min([Schedule.exponential(timings.resumeDelay), Schedule.spaced(Duration.seconds(8))]).pipe(
    Schedule.jittered,
    Schedule.while(({ attempt }) => attempt < timings.resumeAttempts)
  )

/** The notice on stderr after a resumption. */
export const resumedNotice = (sessionId: string, attempt: number): string =>
  `connection to session ${sessionId} lost; resumed (attempt ${attempt})`
