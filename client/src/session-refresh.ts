import { SESSION_OVER } from './error-codes.js';
import type { RefreshScheduler } from './refresh-scheduler.js';
import type { SessionState } from './session-state.js';
import type { TabCoordinator } from './tab-coordination.js';
import { readErrorCode, retryAfterMs, type Transport } from './transport.js';

/**
 * Refreshes the session: one POST /auth/refresh for all the callers of this
 * tab and, one tab at a time, for all tabs. `knownStamp` is the shared stamp
 * when the caller found that it needs new tokens (by default: now).
 * Resolves to whether fresh tokens are there; never rejects.
 */
export type SessionRefresh = (knownStamp?: string) => Promise<boolean>;

/**
 * Re-sends of a refresh whose answer may have been lost, each after this
 * delay: few and short, so that the last one lands well inside the server's
 * grace window (10 s by default), where a rotation that did commit hands back
 * the same child instead of counting as reuse.
 */
export const LOST_ANSWER_RETRY_DELAYS_MS = [300, 1_000, 2_500] as const;

/**
 * The rotation may have committed without its answer arriving: no answer at
 * all, a proxy that got none (502, 504), or an instance that went away or lost
 * its database mid-way (503 `service_unavailable`, or a 503 not in our shape).
 * A 503 `service_busy` is contention, which rolls back: it waits for Retry-After.
 */
async function answerMayBeLost(response: Response | undefined): Promise<boolean> {
  if (!response) return true;
  if (response.status === 502 || response.status === 504) return true;
  if (response.status !== 503) return false;
  const code = await readErrorCode(response);
  return code === undefined || code === 'service_unavailable';
}

export function createSessionRefresh(
  session: SessionState,
  tabs: TabCoordinator,
  transport: Transport,
  scheduler: RefreshScheduler,
  wait: (delayMs: number) => Promise<void>,
): SessionRefresh {
  let inFlight: Promise<boolean> | undefined;

  /**
   * One rotation, while no other tab runs one. A tab that waited and finds
   * that another tab refreshed meanwhile (the shared stamp moved since
   * `knownStamp`) adopts that outcome instead of rotating again.
   */
  async function rotate(knownStamp: string | undefined): Promise<boolean> {
    const state = session.current;
    // Another tab ended the session while this one waited: nothing to refresh.
    if (state.status === 'logged-out') return false;
    const latest = tabs.shared();
    if (latest && latest.stamp !== knownStamp && state.status === 'logged-in') {
      session.loggedIn({ user: state.user, accessTokenExpiresAt: latest.accessTokenExpiresAt, localDeadline: latest.localDeadline }, false);
      return true;
    }
    const send = () => transport.request('/auth/refresh', { method: 'POST' }).catch(() => undefined);
    let response = await send();
    for (const delayMs of LOST_ANSWER_RETRY_DELAYS_MS) {
      if (!(await answerMayBeLost(response))) break;
      await wait(delayMs);
      response = await send();
    }
    if (!response) {
      // The network, not the session, failed: try again later.
      scheduler.retryLater();
      return false;
    }
    if (response.ok) {
      tabs.announce({ type: 'refreshed', ...(await session.accept(response, true)) });
      return true;
    }
    if (response.status === 401) {
      const code = await readErrorCode(response);
      const reason = (code && SESSION_OVER[code]) ?? 'no-session';
      // "No session here" is not news for other tabs: they may have just logged in.
      session.loggedOut(reason, reason !== 'no-session');
      return false;
    }
    // Busy or rate limited is not the end of the session: come back when the server says.
    scheduler.retryLater(retryAfterMs(response));
    return false;
  }

  return (knownStamp = tabs.shared()?.stamp) => {
    inFlight ??= tabs
      .exclusive(() => rotate(knownStamp))
      // A lock manager that refuses (an opaque origin) or an unreadable answer is a failed refresh, not a crash.
      .catch(() => false)
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };
}
