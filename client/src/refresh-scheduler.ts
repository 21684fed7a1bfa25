import type { ClientEnvironment } from './environment.js';

/** Never sooner than this after the last answer: a confused answer must not become a loop. */
export const MIN_REFRESH_DELAY_MS = 1_000;
/** After a refresh that failed without ending the session (network error, 429, 503). */
export const MIN_RETRY_DELAY_MS = 5_000;
const MAX_LEAD_MS = 60_000;

/**
 * When, on this browser's clock, the access token expires. The lifetime is
 * measured on the server's own clock (its Date header), so that a browser
 * clock that is off does not shift it; without the header, the local clock
 * is all there is.
 */
export function localDeadline(accessTokenExpiresAt: string, serverDate: string | null, localNow: number): number {
  const serverNow = Date.parse(serverDate ?? '') || localNow;
  return localNow + Date.parse(accessTokenExpiresAt) - serverNow;
}

/**
 * At 80 % of the remaining lifetime (at most a minute early), minus up to
 * 10 % of it as jitter so that tabs and clients do not refresh in step.
 * `random` is in [0, 1).
 */
export function refreshDelay(remainingMs: number, random: number): number {
  const lead = Math.min(MAX_LEAD_MS, remainingMs * 0.2);
  const jitter = random * remainingMs * 0.1;
  return atLeast(MIN_REFRESH_DELAY_MS, remainingMs - lead - jitter);
}

/** Unlike Math.max, a NaN (an expiry that did not parse) gives the floor too. */
function atLeast(floor: number, delayMs: number): number {
  return delayMs > floor ? delayMs : floor;
}

export interface RefreshScheduler {
  /** Arms the refresh of a token that expires at `deadline` (this browser's clock), replacing whatever was armed. */
  refreshBefore(deadline: number): void;
  /** Arms a retry after a failed refresh: after the server's Retry-After, and not sooner than MIN_RETRY_DELAY_MS. */
  retryLater(retryAfterMs?: number): void;
  cancel(): void;
}

/** One timer per client: the next refresh or retry. */
export function createRefreshScheduler(
  refresh: () => void,
  environment: Pick<ClientEnvironment, 'now' | 'random' | 'setTimer'>,
): RefreshScheduler {
  let cancelArmed: (() => void) | undefined;

  function arm(delayMs: number): void {
    cancelArmed?.();
    cancelArmed = environment.setTimer(() => {
      cancelArmed = undefined;
      refresh();
    }, delayMs);
  }

  return {
    refreshBefore(deadline) {
      arm(refreshDelay(deadline - environment.now(), environment.random()));
    },
    retryLater(retryAfterMs = 0) {
      arm(atLeast(MIN_RETRY_DELAY_MS, retryAfterMs));
    },
    cancel() {
      cancelArmed?.();
      cancelArmed = undefined;
    },
  };
}
