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

export function createSessionRefresh(
  session: SessionState,
  tabs: TabCoordinator,
  transport: Transport,
  scheduler: RefreshScheduler,
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
    let response: Response;
    try {
      response = await transport.request('/auth/refresh', { method: 'POST' });
    } catch {
      // The network, not the session, failed.
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
