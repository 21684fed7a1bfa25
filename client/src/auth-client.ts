/**
 * Browser client for the auth service. The tokens live in HttpOnly cookies
 * that this code never sees; it only knows when the access token expires
 * (the server says so) and keeps every tab of the origin in step:
 *
 * - it refreshes shortly before expiry, with jitter, and at most one tab at a
 *   time refreshes (Web Locks; a BroadcastChannel handshake where they are
 *   missing), the others adopting the outcome;
 * - a request answered 401 because the access token expired is refreshed
 *   once and retried once, never more;
 * - when the session ends (logout, revocation, reuse detection, expiry) every
 *   tab hears of it and shows the logged-out state.
 *
 * This module composes the parts and holds the retry rule; transport.ts
 * talks to the service, tab-coordination.ts shares with the other tabs,
 * refresh-scheduler.ts times the refreshes, session-state.ts keeps what the
 * page renders, and session-refresh.ts refreshes, once for everyone.
 */
import type { AuthState, AuthUser } from './auth-state.js';
import { browserEnvironment, type ClientEnvironment } from './environment.js';
import { NEEDS_REFRESH, SESSION_OVER } from './error-codes.js';
import { createRefreshScheduler } from './refresh-scheduler.js';
import { createSessionRefresh } from './session-refresh.js';
import { createSessionState, type TokenResponse } from './session-state.js';
import { createTabCoordinator } from './tab-coordination.js';
import { createTransport, errorFrom, readErrorCode, readJson } from './transport.js';

export { AuthClientError, type AuthClientErrorCode } from './auth-client-error.js';
export type { AuthState, AuthUser, LogoutReason } from './auth-state.js';

export interface AuthClientOptions {
  /** Where the auth service answers, e.g. https://auth.example.com */
  baseUrl: string;
  /** The CSRF header the service expects on unsafe requests (its CSRF_HEADER setting). */
  csrfHeader?: string;
  /** Separates several clients on one origin (lock, channel and storage names). */
  name?: string;
}

export interface AuthClient {
  readonly state: AuthState;
  /** Called on every change of state, in this tab and when another tab changes it. */
  subscribe(listener: (state: AuthState) => void): () => void;
  /** Call once on page load: finds out whether the cookies still hold a session. */
  start(): Promise<AuthState>;
  login(email: string, password: string): Promise<AuthUser>;
  logout(): Promise<void>;
  me(): Promise<AuthUser>;
  /** A new password; every other session of the user ends, this one stays. Resolves to how many ended. */
  changePassword(currentPassword: string, newPassword: string): Promise<{ sessionsEnded: number }>;
  /** The service mails a reset link if the address has an account; the answer is the same if it has none. */
  requestPasswordReset(email: string): Promise<void>;
  /** A new password with the token of a mailed link; every session of that user ends, this tab's too if it was one. */
  resetPassword(token: string, newPassword: string): Promise<void>;
  /** Opens a mailed verification link (its token); a signed-in tab then shows the user as verified. */
  verifyEmail(token: string): Promise<void>;
  /** fetch() for the API: credentials included, CSRF header on unsafe methods, one silent refresh on expiry. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Stops timers and listeners (tests, hot reload). */
  close(): void;
}

/** `environment` replaces the browser's globals (tests); pages leave it out. */
export function createAuthClient(options: AuthClientOptions, environment: ClientEnvironment = browserEnvironment()): AuthClient {
  const transport = createTransport(options.baseUrl, options.csrfHeader ?? 'X-Requested-With', environment.fetch);
  const tabs = createTabCoordinator(options.name ?? 'auth-client', environment);
  const scheduler = createRefreshScheduler(() => void refresh(), environment);
  const session = createSessionState(tabs, scheduler, environment.now);
  const wait = (delayMs: number) => new Promise<void>((resolve) => environment.setTimer(resolve, delayMs));
  const refresh = createSessionRefresh(session, tabs, transport, scheduler, wait);

  /** A 401 that a refresh can cure is refreshed once and retried once; any other answer is the caller's. */
  async function apiFetch(path: string, init: RequestInit = {}): Promise<Response> {
    const stampBefore = tabs.shared()?.stamp;
    const response = await transport.request(path, init);
    if (response.status !== 401) return response;
    const code = await readErrorCode(response);
    const over = code && SESSION_OVER[code];
    if (over) {
      // A late answer about a session that another tab has since replaced is no news.
      if (tabs.shared()?.stamp === stampBefore) session.loggedOut(over, true);
      return response;
    }
    if (!code || !NEEDS_REFRESH.has(code) || session.current.status === 'logged-out') return response;
    // Judged against the stamp from before the request: if another tab refreshed
    // while it was under way, the retry needs no refresh of its own.
    if (tabs.shared()?.stamp === stampBefore && !(await refresh(stampBefore))) return response;
    return transport.request(path, init);
  }

  /** A POST that must succeed; any other answer is thrown as an AuthClientError. */
  async function post(path: string, body: unknown, send: (path: string, init: RequestInit) => Promise<Response>): Promise<Response> {
    const response = await send(path, { method: 'POST', body: JSON.stringify(body) });
    if (!response.ok) throw await errorFrom(response);
    return response;
  }

  return {
    get state() {
      return session.current;
    },

    subscribe: (listener) => session.subscribe(listener),

    async start() {
      try {
        const response = await apiFetch('/auth/me');
        if (response.ok) await session.accept(response, false);
        else if (session.current.status !== 'logged-out') session.loggedOut('no-session', false);
      } catch {
        if (session.current.status === 'unknown') session.loggedOut('no-session', false);
      }
      return session.current;
    },

    async login(email, password) {
      const response = await transport.request('/auth/login', { method: 'POST', body: JSON.stringify({ email, password }) });
      if (!response.ok) throw await errorFrom(response);
      const tokens = await session.accept(response, true);
      tabs.announce({ type: 'logged-in', ...tokens });
      return tokens.user;
    },

    /** Logged out only when the server says so: after a network error or a 5xx the session may well be alive. */
    async logout() {
      const response = await transport.request('/auth/logout', { method: 'POST' });
      if (response.status !== 204 && response.status !== 401) throw await errorFrom(response);
      session.loggedOut('logout', true);
    },

    async me() {
      const response = await apiFetch('/auth/me');
      if (!response.ok) throw await errorFrom(response);
      return (await readJson<TokenResponse>(response)).user;
    },

    async changePassword(currentPassword, newPassword) {
      const response = await post('/auth/password', { currentPassword, newPassword }, apiFetch);
      return readJson<{ sessionsEnded: number }>(response);
    },

    async requestPasswordReset(email) {
      await post('/auth/password/forgot', { email }, transport.request);
    },

    async resetPassword(token, newPassword) {
      await post('/auth/password/reset', { token, password: newPassword }, transport.request);
      // Every session of that user ended; if this tab's was one, the check shows it now rather than at the next call.
      if (session.current.status === 'logged-in') await apiFetch('/auth/me').catch(() => undefined);
    },

    async verifyEmail(token) {
      await post('/auth/email/verify', { token }, transport.request);
      if (session.current.status !== 'logged-in') return;
      // The address is verified whatever this re-read meets: it only refreshes what the page shows.
      const me = await apiFetch('/auth/me').catch(() => undefined);
      if (me?.ok) await session.accept(me, false).catch(() => undefined);
    },

    fetch: apiFetch,

    close() {
      scheduler.cancel();
      tabs.close();
      session.close();
    },
  };
}
