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
 */

export interface AuthUser {
  id: string;
  email: string;
  roles: string[];
}

export type LogoutReason = 'logout' | 'revoked' | 'expired' | 'reused' | 'no-session';

export type AuthState =
  | { status: 'unknown' }
  | { status: 'logged-in'; user: AuthUser; accessTokenExpiresAt: Date }
  | { status: 'logged-out'; reason: LogoutReason };

export interface AuthClientOptions {
  /** Where the auth service answers, e.g. https://auth.example.com */
  baseUrl: string;
  /** The CSRF header the service expects on unsafe requests (README: CSRF_HEADER). */
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
  /** fetch() for the API: credentials included, CSRF header on unsafe methods, one silent refresh on expiry. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Stops timers and listeners (tests, hot reload). */
  close(): void;
}

interface TokenResponse {
  user: AuthUser;
  accessTokenExpiresAt: string;
}

/** The token's remaining lifetime by the server's own clock (its Date header), so that browser clock skew does not matter. */
function remainingLifetime(body: TokenResponse, response: Response): number {
  const serverNow = Date.parse(response.headers.get('date') ?? '') || Date.now();
  return Date.parse(body.accessTokenExpiresAt) - serverNow;
}

/** Between tabs of one browser, expiries travel as deadlines on that browser's clock. */
type Message =
  | { type: 'refreshed'; user: AuthUser; accessTokenExpiresAt: string; localDeadline: number }
  | { type: 'logged-in'; user: AuthUser; accessTokenExpiresAt: string; localDeadline: number }
  | { type: 'logged-out'; reason: LogoutReason }
  | { type: 'refresh-claim'; tab: string; at: number };

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const MIN_REFRESH_DELAY_MS = 1_000;
const SESSION_OVER: Record<string, LogoutReason> = {
  session_revoked: 'revoked',
  session_expired: 'expired',
  refresh_token_reused: 'reused',
  invalid_refresh_token: 'no-session',
};
/** Errors that a refresh can cure: the access token expired, or its cookie already lapsed. */
const NEEDS_REFRESH = new Set(['token_expired', 'authentication_required', 'invalid_token']);

class RefreshFailed extends Error {}

async function errorCode(response: Response): Promise<string | undefined> {
  try {
    const body = (await response.clone().json()) as { error?: unknown };
    return typeof body.error === 'string' ? body.error : undefined;
  } catch {
    return undefined;
  }
}

export function createAuthClient(options: AuthClientOptions): AuthClient {
  const baseUrl = options.baseUrl.replace(/\/$/, '');
  const csrfHeader = options.csrfHeader ?? 'X-Requested-With';
  const name = options.name ?? 'auth-client';
  const tab = Math.random().toString(36).slice(2);
  /** Shared by the tabs: the current access-token expiry and a stamp that changes with every refresh or login. */
  const storageKey = `${name}:tokens`;
  const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(name) : undefined;
  const listeners = new Set<(state: AuthState) => void>();

  let state: AuthState = { status: 'unknown' };
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: Promise<void> | undefined;
  let peerClaim: { tab: string; at: number } | undefined;

  function setState(next: AuthState): void {
    state = next;
    for (const listener of listeners) listener(state);
  }

  function post(message: Message): void {
    channel?.postMessage(message);
  }

  function request(path: string, init: RequestInit = {}): Promise<Response> {
    const method = (init.method ?? 'GET').toUpperCase();
    const headers = new Headers(init.headers);
    if (UNSAFE.has(method)) headers.set(csrfHeader, 'fetch');
    if (typeof init.body === 'string' && !headers.has('content-type')) headers.set('content-type', 'application/json');
    return fetch(`${baseUrl}${path}`, { ...init, method, headers, credentials: 'include' });
  }

  /**
   * Refresh at 80 % of the remaining lifetime (at most a minute early), minus
   * up to 10 % jitter so tabs do not collide. `remainingMs` is measured on the
   * server's clock, so a browser clock that is off does not shift it; the
   * floor keeps a confused server answer from turning into a loop.
   */
  function schedule(remainingMs: number): void {
    clearTimeout(timer);
    const lead = Math.min(60_000, remainingMs * 0.2);
    const jitter = Math.random() * remainingMs * 0.1;
    timer = setTimeout(() => void refresh().catch(() => undefined), Math.max(MIN_REFRESH_DELAY_MS, remainingMs - lead - jitter));
  }

  function retryLater(afterMs: number): void {
    clearTimeout(timer);
    timer = setTimeout(() => void refresh().catch(() => undefined), Math.max(5_000, afterMs));
  }

  /**
   * `localDeadline`: when the access token expires, on this browser's clock.
   * `fresh`: this tab just obtained new tokens (login or refresh), so the shared stamp changes.
   */
  function loggedIn(user: AuthUser, accessTokenExpiresAt: string, localDeadline: number, fresh: boolean): void {
    if (fresh) {
      try {
        localStorage.setItem(storageKey, JSON.stringify({ accessTokenExpiresAt, localDeadline, stamp: `${Date.now()}:${tab}` }));
      } catch {
        // Storage may be unavailable (private mode); the channel still carries the news.
      }
    }
    setState({ status: 'logged-in', user, accessTokenExpiresAt: new Date(accessTokenExpiresAt) });
    schedule(localDeadline - Date.now());
  }

  /** Accepts a login, refresh or /auth/me answer; returns the local deadline it implies. */
  function accept(body: TokenResponse, response: Response, fresh: boolean): number {
    const localDeadline = Date.now() + remainingLifetime(body, response);
    loggedIn(body.user, body.accessTokenExpiresAt, localDeadline, fresh);
    return localDeadline;
  }

  function loggedOut(reason: LogoutReason, tell: boolean): void {
    clearTimeout(timer);
    try {
      localStorage.removeItem(storageKey);
    } catch {
      // See loggedIn.
    }
    setState({ status: 'logged-out', reason });
    if (tell) post({ type: 'logged-out', reason });
  }

  function shared(): { accessTokenExpiresAt: string; localDeadline: number; stamp: string } | undefined {
    try {
      return JSON.parse(localStorage.getItem(storageKey) ?? 'null') ?? undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * One refresh across all tabs: a tab that waited for the lock and finds
   * that another tab refreshed meanwhile (the shared stamp moved) adopts
   * that outcome instead of rotating again.
   */
  async function doRefresh(knownStamp: string | undefined): Promise<void> {
    // Another tab ended the session while this one waited for the lock: nothing to refresh.
    if (state.status === 'logged-out') throw new RefreshFailed('logged out');
    const latest = shared();
    if (latest && latest.stamp !== knownStamp && state.status === 'logged-in') {
      loggedIn(state.user, latest.accessTokenExpiresAt, latest.localDeadline, false);
      return;
    }
    let response: Response;
    try {
      response = await request('/auth/refresh', { method: 'POST' });
    } catch (error) {
      // The network, not the session, failed: try again a little later.
      retryLater(5_000);
      throw error;
    }
    if (response.ok) {
      const body = (await response.json()) as TokenResponse;
      const localDeadline = accept(body, response, true);
      post({ type: 'refreshed', user: body.user, accessTokenExpiresAt: body.accessTokenExpiresAt, localDeadline });
      return;
    }
    const code = await errorCode(response);
    if (response.status === 401) {
      const reason = SESSION_OVER[code ?? ''] ?? 'no-session';
      // "No session here" is not news for other tabs: they may have just logged in.
      loggedOut(reason, reason !== 'no-session');
      throw new RefreshFailed(code);
    }
    // Busy or rate limited: not an end of session; come back when the server says.
    retryLater(Number(response.headers.get('retry-after') ?? 0) * 1000);
    throw new RefreshFailed(`refresh answered ${response.status}`);
  }

  /** Without Web Locks: announce a claim, give other tabs a moment, and let the earliest claim win. */
  async function withBroadcastClaim(work: () => Promise<void>): Promise<void> {
    const claim = { tab, at: Date.now() };
    post({ type: 'refresh-claim', ...claim });
    await new Promise((resolve) => setTimeout(resolve, 150));
    const other = peerClaim;
    if (other && Date.now() - other.at < 5_000 && (other.at < claim.at || (other.at === claim.at && other.tab < tab))) {
      // Another tab refreshes; wait for its outcome, and do it ourselves if none comes.
      const knownStamp = shared()?.stamp;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      if (shared()?.stamp !== knownStamp) return;
    }
    await work();
  }

  /** `knownStamp`: the shared stamp when the caller decided it needs new tokens (default: now). */
  function refresh(knownStamp: string | undefined = shared()?.stamp): Promise<void> {
    inFlight ??= (async () => {
      const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
      if (locks) await locks.request(`${name}:refresh`, () => doRefresh(knownStamp));
      else await withBroadcastClaim(() => doRefresh(knownStamp));
    })().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  async function apiFetch(path: string, init: RequestInit = {}): Promise<Response> {
    const stampBefore = shared()?.stamp;
    const response = await request(path, init);
    if (response.status !== 401) return response;
    const code = await errorCode(response);
    if (code && SESSION_OVER[code]) {
      // A late answer about a session that another tab has since replaced is no news.
      if (shared()?.stamp === stampBefore) loggedOut(SESSION_OVER[code], true);
      return response;
    }
    if (!code || !NEEDS_REFRESH.has(code) || state.status === 'logged-out') return response;
    // Measured against the stamp from before the request: if another tab refreshed
    // while it was under way, the retry needs no refresh of its own.
    if (shared()?.stamp === stampBefore) {
      try {
        await refresh(stampBefore);
      } catch {
        return response;
      }
    }
    return request(path, init);
  }

  channel?.addEventListener('message', (event: MessageEvent<Message>) => {
    const message = event.data;
    if (message.type === 'refresh-claim') {
      peerClaim = { tab: message.tab, at: message.at };
    } else if (message.type === 'logged-out') {
      if (state.status !== 'logged-out') loggedOut(message.reason, false);
    } else {
      // 'refreshed' or 'logged-in': the cookies are shared, so adopting the expiry is all there is to do.
      peerClaim = undefined;
      loggedIn(message.user, message.accessTokenExpiresAt, message.localDeadline, false);
    }
  });

  return {
    get state() {
      return state;
    },

    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async start() {
      try {
        const response = await apiFetch('/auth/me');
        if (response.ok) {
          accept((await response.json()) as TokenResponse, response, false);
        } else if (state.status !== 'logged-out') {
          loggedOut('no-session', false);
        }
      } catch {
        if (state.status === 'unknown') loggedOut('no-session', false);
      }
      return state;
    },

    async login(email, password) {
      const response = await request('/auth/login', { method: 'POST', body: JSON.stringify({ email, password }) });
      if (!response.ok) {
        const code = (await errorCode(response)) ?? `http_${response.status}`;
        throw Object.assign(new Error(code), { code, status: response.status });
      }
      const body = (await response.json()) as TokenResponse;
      const localDeadline = accept(body, response, true);
      post({ type: 'logged-in', user: body.user, accessTokenExpiresAt: body.accessTokenExpiresAt, localDeadline });
      return body.user;
    },

    /** Logged out only when the server says so: after a network error or a 5xx the session may well be alive. */
    async logout() {
      const response = await request('/auth/logout', { method: 'POST' });
      if (response.status !== 204 && response.status !== 401) {
        throw Object.assign(new Error((await errorCode(response)) ?? `http_${response.status}`), { status: response.status });
      }
      loggedOut('logout', true);
    },

    async me() {
      const response = await apiFetch('/auth/me');
      if (!response.ok) throw Object.assign(new Error((await errorCode(response)) ?? 'request_failed'), { status: response.status });
      return ((await response.json()) as TokenResponse).user;
    },

    fetch: apiFetch,

    close() {
      clearTimeout(timer);
      channel?.close();
      listeners.clear();
    },
  };
}
