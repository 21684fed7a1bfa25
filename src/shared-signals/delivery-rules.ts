/** The rules of delivery, as pure functions and constants (unit-tested). */

/** A receiver may hold this many streams (one per process of a polling service, say). */
export const MAX_STREAMS_PER_RECEIVER = 100;

/** SSF `min_verification_interval`: a receiver asking more often gets 429. */
export const MIN_VERIFICATION_INTERVAL_SECONDS = 15;

/** RFC 8936 `maxEvents`: when absent, and at most (a full batch of acknowledgements must fit BODY_LIMIT_BYTES). */
export const DEFAULT_POLL_EVENTS = 100;
export const MAX_POLL_EVENTS = 250;

/** The longest wait between two push attempts. */
export const MAX_PUSH_BACKOFF_MS = 30 * 60 * 1000;

/**
 * The wait before the next push attempt after `attempts` failed ones:
 * exponential from `baseMs`, capped, minus up to half of it at random
 * ("equal jitter"), so that receivers back from an outage are not met by
 * every transmitter's retries at the same instant. `unit` is a random number in [0, 1).
 */
export function pushBackoffMs(attempts: number, baseMs: number, unit: number): number {
  const exponential = Math.min(MAX_PUSH_BACKOFF_MS, baseMs * 2 ** Math.min(Math.max(attempts - 1, 0), 30));
  return Math.round(exponential / 2 + (exponential / 2) * unit);
}

/**
 * How long a claimed push stays claimed: the attempt itself, then time to
 * write its outcome. Past it, any instance may try again (this one died
 * mid-push); a slow write then means a duplicate, which the jti absorbs.
 */
export function pushLeaseMs(timeoutMs: number): number {
  return 2 * timeoutMs + 5000;
}

/** A uniform number in [0, 1) from four random bytes. */
export function unitInterval(bytes: Buffer): number {
  return bytes.readUInt32BE(0) / 2 ** 32;
}
