import type { AuthState, AuthUser, LogoutReason } from './auth-state.js';
import { localDeadline, type RefreshScheduler } from './refresh-scheduler.js';
import type { TabCoordinator } from './tab-coordination.js';
import { readJson } from './transport.js';

/** What login, refresh and GET /auth/me answer. */
export interface TokenResponse {
  user: AuthUser;
  accessTokenExpiresAt: string;
}

/** A token response with its expiry placed on this browser's clock. */
export interface Tokens extends TokenResponse {
  localDeadline: number;
}

/**
 * The session as this tab sees it: the state that the page renders, and the
 * moves between states, each of which also keeps the refresh timer and the
 * other tabs in step. News from the other tabs moves it too.
 */
export interface SessionState {
  readonly current: AuthState;
  subscribe(listener: (state: AuthState) => void): () => void;
  /** Adopts a login, refresh or /auth/me answer. `fresh`: this tab just obtained these tokens, so the shared stamp moves. */
  accept(response: Response, fresh: boolean): Promise<Tokens>;
  loggedIn(tokens: Tokens, fresh: boolean): void;
  /** `tell`: the other tabs should hear of it. */
  loggedOut(reason: LogoutReason, tell: boolean): void;
  close(): void;
}

export function createSessionState(tabs: TabCoordinator, scheduler: RefreshScheduler, now: () => number): SessionState {
  const listeners = new Set<(state: AuthState) => void>();
  let current: AuthState = { status: 'unknown' };

  function set(next: AuthState): void {
    current = next;
    for (const listener of listeners) listener(current);
  }

  function loggedIn(tokens: Tokens, fresh: boolean): void {
    if (fresh) tabs.publish(tokens);
    set({ status: 'logged-in', user: tokens.user, accessTokenExpiresAt: new Date(tokens.accessTokenExpiresAt) });
    scheduler.refreshBefore(tokens.localDeadline);
  }

  function loggedOut(reason: LogoutReason, tell: boolean): void {
    scheduler.cancel();
    tabs.forget();
    set({ status: 'logged-out', reason });
    if (tell) tabs.announce({ type: 'logged-out', reason });
  }

  tabs.onNews((news) => {
    if (news.type === 'logged-out') {
      if (current.status !== 'logged-out') loggedOut(news.reason, false);
    } else {
      // The cookies are shared, so adopting the expiry is all there is to do.
      loggedIn(news, false);
    }
  });

  return {
    get current() {
      return current;
    },

    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async accept(response, fresh) {
      const body = await readJson<TokenResponse>(response);
      const tokens: Tokens = {
        user: body.user,
        accessTokenExpiresAt: body.accessTokenExpiresAt,
        localDeadline: localDeadline(body.accessTokenExpiresAt, response.headers.get('date'), now()),
      };
      loggedIn(tokens, fresh);
      return tokens;
    },

    loggedIn,
    loggedOut,

    close() {
      listeners.clear();
    },
  };
}
