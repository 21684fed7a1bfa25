import { type AuthClient, type AuthUser, createAuthClient } from '../../../client/src/auth-client.js';
import type { ChannelLike, ClientEnvironment, LockManagerLike, StorageLike } from '../../../client/src/environment.js';

/**
 * One browser profile in memory, for the client's unit tests: a clock that
 * moves only when a test moves it, the origin's localStorage, Web Locks and
 * BroadcastChannels shared by its tabs, and the auth service it talks to.
 */

export const BASE_URL = 'https://auth.example.test';
export const USER: AuthUser = { id: '6f1c4c1e-0000-4000-8000-000000000001', email: 'ann@example.com', roles: [], emailVerified: false };

/** Lets every promise chain that waits for no timer run to its end. */
export async function settle(): Promise<void> {
  for (let round = 0; round < 10; round++) await new Promise((resolve) => setImmediate(resolve));
}

interface Timer {
  at: number;
  order: number;
  callback: () => void;
}

export class FakeClock {
  private time = Date.UTC(2030, 0, 1);
  private timers: Timer[] = [];
  private sequence = 0;

  readonly now = (): number => this.time;

  /** Like setTimeout: a delay that is not a number fires at once. */
  readonly setTimer = (callback: () => void, delayMs: number): (() => void) => {
    const timer = { at: this.time + (delayMs > 0 ? delayMs : 0), order: this.sequence++, callback };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((other) => other !== timer);
    };
  };

  /** How many timers are armed and not yet fired. */
  get armed(): number {
    return this.timers.length;
  }

  /** Moves time on by `ms`, firing the timers that fall due in order and letting promises settle after each. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    await settle();
    for (let fired = 0; ; fired++) {
      const due = this.timers.filter((timer) => timer.at <= end).sort((a, b) => a.at - b.at || a.order - b.order)[0];
      if (!due) break;
      if (fired === 10_000) throw new Error('timer storm: something re-arms itself without waiting');
      this.timers = this.timers.filter((timer) => timer !== due);
      this.time = due.at;
      due.callback();
      await settle();
    }
    this.time = end;
  }
}

export interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** The answer arrives this long after the request (on the fake clock). */
  delayMs?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Headers;
  credentials: RequestInit['credentials'];
  body: string | undefined;
}

/** Answers a route: `call` counts that route's earlier requests. */
type Handler = (call: number) => Answer | 'network-error';

export class FakeServer {
  /** How far the server's clock runs ahead of the browser's (negative: behind). */
  skewMs = 0;
  readonly requests: RecordedRequest[] = [];
  private readonly routes = new Map<string, { handler: Handler; calls: number }>();

  constructor(private readonly clock: FakeClock) {}

  on(method: string, path: string, handler: Handler): void {
    this.routes.set(`${method} ${path}`, { handler, calls: 0 });
  }

  calls(method: string, path: string): number {
    return this.requests.filter((request) => request.method === method && request.path === path).length;
  }

  now(): number {
    return this.clock.now() + this.skewMs;
  }

  /** What login, refresh and /auth/me answer: an access token that lives `lifetimeMs` by the server's clock. */
  tokens(lifetimeMs = 600_000): Answer {
    return { status: 200, body: { user: USER, accessTokenExpiresAt: new Date(this.now() + lifetimeMs).toISOString() } };
  }

  error(status: number, code: string, headers?: Record<string, string>): Answer {
    return { status, body: { error: code, message: `message of ${code}` }, headers };
  }

  readonly fetch = async (url: string, init: RequestInit): Promise<Response> => {
    const request: RecordedRequest = {
      method: init.method ?? 'GET',
      path: new URL(url).pathname,
      headers: new Headers(init.headers),
      credentials: init.credentials,
      body: typeof init.body === 'string' ? init.body : undefined,
    };
    this.requests.push(request);
    // A client that loops would otherwise keep the test busy for ever instead of failing it.
    if (this.requests.length > 1_000) throw new Error('request storm: the client keeps asking');
    const route = this.routes.get(`${request.method} ${request.path}`);
    const answer = route ? route.handler(route.calls++) : this.error(404, 'not_found');
    if (answer === 'network-error') throw new TypeError('fetch failed');
    if (answer.delayMs) await new Promise((resolve) => this.clock.setTimer(() => resolve(undefined), answer.delayMs!));
    const headers = { date: new Date(this.now()).toUTCString(), 'content-type': 'application/json', ...answer.headers };
    return new Response(answer.body === undefined ? null : JSON.stringify(answer.body), { status: answer.status, headers });
  };
}

export class FakeStorage implements StorageLike {
  private readonly items = new Map<string, string>();

  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }

  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }

  removeItem(key: string): void {
    this.items.delete(key);
  }
}

/** Web Locks: one holder per name at a time, the others queued in order. */
export class FakeLocks implements LockManagerLike {
  readonly requested: string[] = [];
  private readonly queues = new Map<string, Promise<unknown>>();

  request<T>(name: string, work: () => Promise<T>): Promise<T> {
    this.requested.push(name);
    const granted = (this.queues.get(name) ?? Promise.resolve()).then(work);
    this.queues.set(name, granted.catch(() => undefined));
    return granted;
  }
}

/** BroadcastChannels of one origin: a message reaches the other open channels of its name, as a copy. */
export class FakeChannels {
  readonly posted: unknown[] = [];
  private readonly ends = new Set<{ name: string; handler?: (message: unknown) => void }>();

  readonly openChannel = (name: string): ChannelLike => {
    const end: { name: string; handler?: (message: unknown) => void } = { name };
    this.ends.add(end);
    return {
      postMessage: (message) => {
        this.posted.push(message);
        for (const other of this.ends) {
          if (other !== end && other.name === name) queueMicrotask(() => other.handler?.(structuredClone(message)));
        }
      },
      onMessage(handler) {
        end.handler = handler;
      },
      close: () => {
        this.ends.delete(end);
      },
    };
  };
}

export interface TabOptions {
  /** false: a browser without navigator.locks. */
  webLocks?: boolean;
  /** Feeds the tab's id and its refresh jitter; by default a different constant per tab. */
  random?: () => number;
}

export class FakeBrowser {
  readonly clock = new FakeClock();
  readonly server = new FakeServer(this.clock);
  readonly storage = new FakeStorage();
  readonly locks = new FakeLocks();
  readonly channels = new FakeChannels();
  private readonly clients: AuthClient[] = [];

  environment({ webLocks = true, random }: TabOptions = {}): ClientEnvironment {
    const tabNumber = this.clients.length + 1;
    return {
      fetch: this.server.fetch,
      now: this.clock.now,
      random: random ?? (() => tabNumber / 10),
      setTimer: this.clock.setTimer,
      locks: webLocks ? this.locks : undefined,
      storage: this.storage,
      openChannel: this.channels.openChannel,
    };
  }

  /** A new tab with its client, not started. */
  openTab(options: TabOptions = {}): AuthClient {
    const client = createAuthClient({ baseUrl: BASE_URL }, this.environment(options));
    this.clients.push(client);
    return client;
  }

  /**
   * Tabs that all show the user logged in, with 10-minute access tokens:
   * the first logs in, the others start after it (GET /auth/me).
   */
  async loggedInTabs(count: number, options: TabOptions = {}): Promise<AuthClient[]> {
    this.server.on('POST', '/auth/login', () => this.server.tokens());
    this.server.on('GET', '/auth/me', () => this.server.tokens());
    const tabs = Array.from({ length: count }, () => this.openTab(options));
    await tabs[0]!.login(USER.email, 'correct horse battery staple');
    for (const tab of tabs.slice(1)) await tab.start();
    await settle();
    for (const tab of tabs) expect(tab.state.status).toBe('logged-in');
    return tabs;
  }

  close(): void {
    for (const client of this.clients) client.close();
  }
}
