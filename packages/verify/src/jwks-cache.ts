import { createLocalJWKSet, errors, type JSONWebKeySet, type JWSHeaderParameters } from 'jose';
import { parseCachePolicy } from './cache-policy.js';
import { describeError, VerificationError, type VerifierLogger } from './errors.js';

export interface JwksCacheOptions {
  /** At most one fetch per this period, whatever arrives: a flood of unknown kids cannot make the verifier hammer the auth service. Default 30 s. */
  cooldownMs?: number;
  /** Upper bound on what the server's Cache-Control may ask for (max-age and stale-while-revalidate each). Default 1 h. */
  maxCacheSeconds?: number;
  /** Freshness when the answer has no max-age. Default 5 min. */
  defaultMaxAgeSeconds?: number;
  /** A fetch that has not answered by then fails. Default 5 s. */
  timeoutMs?: number;
}

interface CachedSet {
  keys: ReturnType<typeof createLocalJWKSet>;
  etag: string | null;
  fetchedAt: number;
  /** Until then the set is used as is. */
  freshUntil: number;
  /** Until then a stale set is used while a background fetch revalidates it; after, a fetch comes first. */
  revalidateUntil: number;
}

export interface JwksHealth {
  loaded: boolean;
  fetchedAt: string | null;
  stale: boolean;
  lastError: string | null;
}

type Fetch = typeof globalThis.fetch;

/**
 * The auth service's key set, cached as its HTTP headers say (max-age,
 * stale-while-revalidate, ETag revalidation), kept while the auth service
 * cannot be reached, and refetched on an unknown kid at most once per
 * cooldown. Key selection and import are jose's (createLocalJWKSet).
 */
export class JwksCache {
  private cached: CachedSet | undefined;
  private lastAttemptAt = Number.NEGATIVE_INFINITY;
  private fetching: Promise<void> | undefined;
  private lastError: string | null = null;
  private readonly cooldownMs: number;
  private readonly maxCacheSeconds: number;
  private readonly defaultMaxAgeSeconds: number;
  private readonly timeoutMs: number;

  constructor(
    private readonly url: string,
    options: JwksCacheOptions,
    private readonly now: () => number,
    private readonly fetchFn: Fetch,
    private readonly logger: VerifierLogger,
  ) {
    this.cooldownMs = options.cooldownMs ?? 30_000;
    this.maxCacheSeconds = options.maxCacheSeconds ?? 3600;
    this.defaultMaxAgeSeconds = options.defaultMaxAgeSeconds ?? 300;
    this.timeoutMs = options.timeoutMs ?? 5000;
  }

  /** Fetches the set ahead of the first token, so that health() tells the truth from the start. */
  prefetch(): void {
    void this.refresh(this.now());
  }

  /** The public key for a token's header; rejects with `key_unknown` when there is none. */
  async keyFor(header: JWSHeaderParameters) {
    const now = this.now();
    if (!this.cached || now >= this.cached.revalidateUntil) await this.refresh(now);
    else if (now >= this.cached.freshUntil) void this.refresh(now);
    let key = await this.select(header);
    if (!key) {
      await this.refresh(now);
      key = await this.select(header);
    }
    if (!key) {
      throw new VerificationError('key_unknown', this.cached ? 'the token is signed by a key that is not in the key set' : `no key set could be fetched from ${this.url}`);
    }
    return key;
  }

  health(): JwksHealth {
    const cached = this.cached;
    return {
      loaded: cached !== undefined,
      fetchedAt: cached ? new Date(cached.fetchedAt).toISOString() : null,
      stale: cached === undefined || this.now() >= cached.freshUntil,
      lastError: this.lastError,
    };
  }

  private async select(header: JWSHeaderParameters) {
    try {
      return (await this.cached?.keys(header)) ?? null;
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey) return null;
      throw error;
    }
  }

  /** One fetch at a time, and none within the cooldown of the last attempt; a failure keeps the set already held. */
  private refresh(now: number): Promise<void> {
    if (this.fetching) return this.fetching;
    if (now - this.lastAttemptAt < this.cooldownMs) return Promise.resolve();
    this.lastAttemptAt = now;
    this.fetching = this.fetchSet().finally(() => {
      this.fetching = undefined;
    });
    return this.fetching;
  }

  private async fetchSet(): Promise<void> {
    const headers: Record<string, string> = { accept: 'application/jwk-set+json, application/json' };
    if (this.cached?.etag) headers['if-none-match'] = this.cached.etag;
    try {
      const response = await this.fetchFn(this.url, { headers, redirect: 'error', signal: AbortSignal.timeout(this.timeoutMs) });
      if (response.status === 304 && this.cached) {
        this.cached = { ...this.cached, ...this.lifetime(response) };
      } else if (response.ok) {
        const keys = createLocalJWKSet((await response.json()) as JSONWebKeySet);
        this.cached = { keys, etag: response.headers.get('etag'), ...this.lifetime(response) };
      } else {
        throw new Error(`the key set answered ${response.status}`);
      }
      if (this.lastError) this.logger.info('the key set is reachable again', { url: this.url });
      this.lastError = null;
    } catch (error) {
      this.lastError = describeError(error);
      this.logger.warn(this.cached ? 'could not refresh the key set; keeping the one held' : 'could not fetch the key set', {
        url: this.url,
        error: this.lastError,
      });
    }
  }

  private lifetime(response: Response): Pick<CachedSet, 'fetchedAt' | 'freshUntil' | 'revalidateUntil'> {
    const fetchedAt = this.now();
    const policy = parseCachePolicy(response.headers, this.defaultMaxAgeSeconds, this.maxCacheSeconds);
    const freshUntil = fetchedAt + policy.freshSeconds * 1000;
    return { fetchedAt, freshUntil, revalidateUntil: freshUntil + policy.staleWhileRevalidateSeconds * 1000 };
  }
}
