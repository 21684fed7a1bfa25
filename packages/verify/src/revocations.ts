import { describeError, type VerifierLogger } from './errors.js';

export interface RevocationOptions {
  /** The feed, e.g. `https://auth.example.com/.well-known/revoked-sessions`. */
  url: string;
  /** How often to poll; a revoked session is refused within this much time (plus the feed's one-second cache). */
  pollMs: number;
  /** A service credential with the `revocations` scope (SERVICE_CREDENTIALS on the auth service). */
  credentials: { clientId: string; clientSecret: string };
  /**
   * What `verify` does once the feed has been out of reach for longer than
   * `maxStalenessMs`: `open` keeps accepting tokens (revocations already seen
   * are still refused), `closed` refuses every token with
   * `revocations_unavailable` until the feed answers again.
   */
  failMode: 'open' | 'closed';
  /** Default: three polls, and at least 30 s. */
  maxStalenessMs?: number;
  /** A poll that has not answered by then fails. Default 5 s. */
  timeoutMs?: number;
}

export interface RevocationsHealth {
  /** `feed`: polling the auth service's revocation feed; `ssf`: an SSF stream of CAEP events (shared-signals.ts). */
  source: 'feed' | 'ssf';
  healthy: boolean;
  failMode: 'open' | 'closed';
  lastSuccessAt: string | null;
  /** Revoked sessions currently remembered. */
  entries: number;
  lastError: string | null;
  /** SSF only: the stream this process receives on. */
  streamId?: string | null;
}

interface FeedPage {
  revoked: Array<{ sid: string; revokedAt: string }>;
  next: string;
  complete: boolean;
  windowSeconds: number;
}

/** What a verifier asks of whatever tells it about revoked sessions: the feed poller or an SSF receiver. */
export interface RevocationSource {
  /** Settles once the source has had its first answer (or failed to get one). */
  readonly ready: Promise<void>;
  isRevoked(sid: string): boolean;
  healthy(): boolean;
  health(): RevocationsHealth;
  /** Asks now rather than at the next turn. */
  refresh(): Promise<void>;
  stop(): void;
}

/** Pages read in one poll at most (a mass revocation); the next poll continues. */
const MAX_PAGES_PER_POLL = 20;

function isFeedPage(value: unknown): value is FeedPage {
  const page = value as FeedPage | null;
  return (
    typeof page === 'object' && page !== null && Array.isArray(page.revoked) && typeof page.next === 'string' &&
    typeof page.complete === 'boolean' && typeof page.windowSeconds === 'number' &&
    page.revoked.every((entry) => typeof entry?.sid === 'string' && typeof entry.revokedAt === 'string' && !Number.isNaN(Date.parse(entry.revokedAt)))
  );
}

/**
 * Polls the revocation feed and remembers each revoked session until every
 * token of it has expired (`windowSeconds` after its revocation). Overlapping
 * pages repeat entries; they are kept once, by sid. One poller serves every
 * verifier of a process that reads the same feed with the same credential.
 */
export class RevocationPoller implements RevocationSource {
  private readonly revoked = new Map<string, number>();
  private since: string | undefined;
  private lastSuccessAt: number | null = null;
  private readonly startedAt: number;
  private lastError: string | null = null;
  private reportedUnavailable = false;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private stopped = false;
  readonly maxStalenessMs: number;
  /** Settles after the first poll, successful or not. */
  readonly ready: Promise<void>;

  constructor(
    readonly options: RevocationOptions,
    private readonly now: () => number,
    private readonly fetchFn: typeof globalThis.fetch,
    private readonly logger: VerifierLogger,
  ) {
    this.maxStalenessMs = options.maxStalenessMs ?? Math.max(3 * options.pollMs, 30_000);
    this.startedAt = now();
    this.ready = this.poll();
  }

  isRevoked(sid: string): boolean {
    return this.revoked.has(sid);
  }

  /** Whether the feed answered within `maxStalenessMs` (counted from startup until the first answer). */
  healthy(): boolean {
    return this.now() - (this.lastSuccessAt ?? this.startedAt) <= this.maxStalenessMs;
  }

  health(): RevocationsHealth {
    return {
      source: 'feed',
      healthy: this.healthy(),
      failMode: this.options.failMode,
      lastSuccessAt: this.lastSuccessAt === null ? null : new Date(this.lastSuccessAt).toISOString(),
      entries: this.revoked.size,
      lastError: this.lastError,
    };
  }

  refresh(): Promise<void> {
    return this.poll();
  }

  /** Polls now (a poll under way is joined, not doubled), then again every `pollMs`. */
  poll(): Promise<void> {
    this.polling ??= this.pollPages().finally(() => {
      this.polling = undefined;
      this.schedule();
    });
    return this.polling;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.poll(), this.options.pollMs);
    this.timer.unref();
  }

  private async pollPages(): Promise<void> {
    try {
      for (let page = 0; page < MAX_PAGES_PER_POLL; page++) {
        const answer = await this.fetchPage();
        const now = this.now();
        for (const entry of answer.revoked) {
          const revokedAt = Date.parse(entry.revokedAt);
          this.revoked.set(entry.sid, Math.max(this.revoked.get(entry.sid) ?? revokedAt, revokedAt));
        }
        this.since = answer.next;
        this.forgetOlderThan(now - answer.windowSeconds * 1000);
        this.lastSuccessAt = now;
        if (answer.complete) break;
      }
      if (this.reportedUnavailable) this.logger.info('the revocation feed answers again', { url: this.options.url });
      this.reportedUnavailable = false;
      this.lastError = null;
    } catch (error) {
      this.lastError = describeError(error);
      if (!this.healthy() && !this.reportedUnavailable) {
        this.reportedUnavailable = true;
        const failing = this.options.failMode === 'closed' ? 'refusing every token until it answers' : 'accepting tokens without it';
        this.logger.error(`the revocation feed has been unreachable for over ${Math.round(this.maxStalenessMs / 1000)} s; ${failing}`, {
          url: this.options.url,
          failMode: this.options.failMode,
          error: this.lastError,
        });
      }
    }
  }

  private async fetchPage(): Promise<FeedPage> {
    const url = new URL(this.options.url);
    if (this.since) url.searchParams.set('since', this.since);
    const { clientId, clientSecret } = this.options.credentials;
    const response = await this.fetchFn(url, {
      headers: { accept: 'application/json', authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}` },
      redirect: 'error',
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
    });
    if (response.status === 401 || response.status === 403) {
      throw new Error(`the revocation feed refused the credential of "${clientId}" (${response.status}): check SERVICE_CREDENTIALS and its revocations scope`);
    }
    if (!response.ok) throw new Error(`the revocation feed answered ${response.status}`);
    const page: unknown = await response.json();
    if (!isFeedPage(page)) throw new Error('the revocation feed answered something that is not a feed page');
    return page;
  }

  private forgetOlderThan(cutoff: number): void {
    for (const [sid, revokedAt] of this.revoked) {
      if (revokedAt < cutoff) this.revoked.delete(sid);
    }
  }
}

/** One source per feed or stream configuration in a process, shared by every verifier that reads it with the same options. */
const sources = new Map<string, { source: RevocationSource; users: number }>();

export function acquireSource(key: string, create: () => RevocationSource): { source: RevocationSource; release: () => void } {
  let entry = sources.get(key);
  if (!entry) {
    entry = { source: create(), users: 0 };
    sources.set(key, entry);
  }
  entry.users += 1;
  const shared = entry;
  let released = false;
  return {
    source: shared.source,
    release() {
      if (released) return;
      released = true;
      shared.users -= 1;
      if (shared.users === 0) {
        shared.source.stop();
        sources.delete(key);
      }
    },
  };
}

/** The sharing key of a feed poller. */
export function feedKey(options: RevocationOptions): string {
  const { url, pollMs, failMode, maxStalenessMs, timeoutMs } = options;
  return JSON.stringify(['feed', url, options.credentials.clientId, pollMs, failMode, maxStalenessMs, timeoutMs]);
}
