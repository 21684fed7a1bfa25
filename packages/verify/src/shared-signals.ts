import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { describeError, type VerifierLogger } from './errors.js';
import type { JwksCache } from './jwks-cache.js';
import type { RevocationSource, RevocationsHealth } from './revocations.js';
import { CREDENTIAL_CHANGE, revokedSessionId, SESSION_REVOKED, SetRefused, VERIFICATION, verifySecurityEvent } from './security-event-token.js';

export interface SharedSignalsOptions {
  /** A service credential with the `ssf` scope (SERVICE_CREDENTIALS on the auth service). */
  credentials: { clientId: string; clientSecret: string };
  /** Default: `<issuer>/.well-known/ssf-configuration` (SSF 1.0 §7.2). */
  configurationUrl?: string;
  /**
   * `poll` (the default): this process long-polls a stream of its own, so
   * each instance of your service hears every event. `push`: the auth
   * service posts each event to `endpointUrl`, which you route to
   * `verifier.receivePushedEvent` (one instance, or one stream per instance).
   */
  delivery?: { method: 'poll' } | { method: 'push'; endpointUrl: string };
  /** As for the revocation feed: what `verify` does once the stream has been silent longer than `maxStalenessMs`. */
  failMode: 'open' | 'closed';
  /** Default: 60 s for poll (more than the auth service's long-poll wait, 20 s by default), three verification rounds for push. */
  maxStalenessMs?: number;
  /** A management request that has not answered by then fails. Default 5 s. */
  timeoutMs?: number;
  /** Push: how often a verification event is asked for; its arrival is what keeps a quiet stream healthy. Default 60 s. */
  verifyEveryMs?: number;
  /** Shown to the auth service's ops with the stream. */
  description?: string;
}

export interface PushedEvent {
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
}

export interface PushAnswer {
  status: number;
  body?: { err: string; description: string };
}

const METHOD = { poll: 'urn:ietf:rfc:8936', push: 'urn:ietf:rfc:8935' } as const;
/** An event whose key is not fetched yet is left for redelivery this many times (the JWKS refetches once per cooldown), then reported. */
const MAX_UNVERIFIED_TURNS = 12;
const UNVERIFIED_RETRY_MS = 5000;

interface Stream {
  id: string;
  pollUrl: string | null;
  configurationUrl: string;
  verificationUrl: string | undefined;
}

const sameSecret = (a: string, b: string) => timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());

/**
 * A receiver of the auth service's Shared Signals (SSF 1.0, CAEP): it opens
 * a stream of its own, receives CAEP session-revoked events by poll (RFC
 * 8936) or push (RFC 8935), verifies each SET against the same JWKS as the
 * access tokens, and refuses tokens of revoked sessions until every token of
 * them has expired. A new stream starts with the revocations still relevant,
 * so a verifier that starts now refuses them as one that had been listening.
 */
export class SharedSignalsReceiver implements RevocationSource {
  private readonly revoked = new Map<string, number>();
  private readonly unverified = new Map<string, number>();
  private stream: Stream | undefined;
  private acks: string[] = [];
  private errors: Record<string, { err: string; description: string }> = {};
  private lastSuccessAt: number | null = null;
  private readonly startedAt: number;
  private lastError: string | null = null;
  private reportedUnavailable = false;
  private stopped = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new AbortController();
  private readonly pushAuthorization: string | undefined;
  private firstEvent: (() => void) | undefined;
  readonly maxStalenessMs: number;
  readonly ready: Promise<void>;

  constructor(
    readonly options: SharedSignalsOptions,
    private readonly context: { issuer: string; keys: JwksCache; rememberMs: number; now: () => number; fetch: typeof globalThis.fetch; logger: VerifierLogger },
  ) {
    const push = options.delivery?.method === 'push';
    this.maxStalenessMs = options.maxStalenessMs ?? (push ? 3 * (options.verifyEveryMs ?? 60_000) : 60_000);
    this.pushAuthorization = push ? `Bearer ${randomBytes(32).toString('base64url')}` : undefined;
    this.startedAt = context.now();
    this.ready = push ? this.startPush() : this.startPoll();
  }

  isRevoked(sid: string): boolean {
    return this.revoked.has(sid);
  }

  healthy(): boolean {
    return this.context.now() - (this.lastSuccessAt ?? this.startedAt) <= this.maxStalenessMs;
  }

  health(): RevocationsHealth {
    return {
      source: 'ssf',
      healthy: this.healthy(),
      failMode: this.options.failMode,
      lastSuccessAt: this.lastSuccessAt === null ? null : new Date(this.lastSuccessAt).toISOString(),
      entries: this.revoked.size,
      lastError: this.lastError,
      streamId: this.stream?.id ?? null,
    };
  }

  /** Poll: a poll that returns at once, beside the long one. Push: a verification event asked for. */
  refresh(): Promise<void> {
    return (this.pushAuthorization ? this.requestVerification() : this.pollOnce(true)).catch((error: unknown) => this.failed(error));
  }

  /** Stops receiving and deletes the stream (best effort: a stream left behind is deleted by the auth service once idle). */
  stop(): void {
    this.stopped = true;
    this.inFlight.abort();
    for (const timer of this.timers) clearTimeout(timer);
    const stream = this.stream;
    if (stream) {
      void this.request('DELETE', `${stream.configurationUrl}?stream_id=${encodeURIComponent(stream.id)}`).catch(() => undefined);
    }
  }

  /** RFC 8935: a pushed SET, with the Authorization header this receiver gave the auth service. */
  async receivePush(request: PushedEvent): Promise<PushAnswer> {
    if (!this.pushAuthorization) return { status: 404, body: { err: 'invalid_request', description: 'this receiver polls; it takes no pushes' } };
    if (!request.authorization || !sameSecret(request.authorization, this.pushAuthorization)) {
      return { status: 401, body: { err: 'authentication_failed', description: 'not the authorization this receiver gave' } };
    }
    if (!/^application\/secevent\+jwt\s*(;|$)/i.test(request.contentType ?? '')) {
      return { status: 400, body: { err: 'invalid_request', description: 'send application/secevent+jwt' } };
    }
    try {
      await this.accept(request.body.trim());
      this.succeeded();
      return { status: 202 };
    } catch (error) {
      if (!(error instanceof SetRefused)) throw error;
      return { status: 400, body: { err: error.err, description: error.message } };
    }
  }

  private async startPoll(): Promise<void> {
    try {
      await this.pollOnce(true);
    } catch (error) {
      this.failed(error);
    }
    void this.pollForever();
  }

  private async pollForever(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        const unverifiedBefore = this.unverified.size;
        await this.pollOnce(false);
        failures = 0;
        if (this.unverified.size > 0 && this.unverified.size >= unverifiedBefore) await this.sleep(UNVERIFIED_RETRY_MS);
      } catch (error) {
        if (this.stopped) return;
        this.failed(error);
        failures += 1;
        await this.sleep(Math.min(30_000, 500 * 2 ** failures));
      }
    }
  }

  private async pollOnce(immediately: boolean): Promise<void> {
    const stream = this.stream ?? (await this.openStream());
    const acks = this.acks.splice(0);
    const errors = this.errors;
    this.errors = {};
    let answer: { sets?: unknown } | null;
    try {
      answer = (await this.request('POST', stream.pollUrl!, { maxEvents: 100, returnImmediately: immediately, ack: acks, setErrs: errors }, immediately ? undefined : this.maxStalenessMs)) as { sets?: unknown } | null;
    } catch (error) {
      // Not known to have been read: they go again with the next poll (acknowledging twice changes nothing).
      this.acks.push(...acks);
      Object.assign(this.errors, errors);
      throw error;
    }
    const sets = answer?.sets;
    if (typeof sets !== 'object' || sets === null) throw new Error('the poll answered something that is not RFC 8936');
    for (const [jti, set] of Object.entries(sets as Record<string, unknown>)) {
      if (typeof set !== 'string') continue;
      try {
        await this.accept(set);
        this.acks.push(jti);
        this.unverified.delete(jti);
      } catch (error) {
        if (!(error instanceof SetRefused)) throw error;
        const turns = (this.unverified.get(jti) ?? 0) + 1;
        this.unverified.set(jti, turns);
        if (!error.retry || turns >= MAX_UNVERIFIED_TURNS) {
          this.errors[jti] = { err: error.err, description: error.message };
          this.unverified.delete(jti);
          this.context.logger.error('refused a security event from the auth service', { jti, err: error.err, error: error.message });
        }
      }
    }
    this.succeeded();
  }

  private async accept(set: string): Promise<void> {
    const event = await verifySecurityEvent(set, this.context.keys, { issuer: this.context.issuer, audience: this.options.credentials.clientId });
    const now = this.context.now();
    const sid = revokedSessionId(event);
    if (sid) {
      const at = typeof event.event.event_timestamp === 'number' ? event.event.event_timestamp * 1000 : now;
      this.revoked.set(sid, Math.max(this.revoked.get(sid) ?? at, at));
    }
    if (event.type === VERIFICATION) this.firstEvent?.();
  }

  /** The first verify() waits for this: the stream and its first verification event, or `timeoutMs`, whichever comes first. */
  private async startPush(): Promise<void> {
    const arrived = new Promise<void>((resolve) => {
      this.firstEvent = resolve;
    });
    void this.maintainPushStream();
    await Promise.race([arrived, this.sleep(this.options.timeoutMs ?? 5000)]);
  }

  /** Push: (re)opens the stream when there is none, and asks for a verification event every `verifyEveryMs`. */
  private async maintainPushStream(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        if (!this.stream) await this.openStream();
        await this.requestVerification();
        failures = 0;
        await this.sleep(this.options.verifyEveryMs ?? 60_000);
      } catch (error) {
        if (this.stopped) return;
        this.failed(error);
        failures += 1;
        await this.sleep(Math.min(30_000, 500 * 2 ** failures));
      }
    }
  }

  private async requestVerification(): Promise<void> {
    const stream = this.stream;
    if (!stream?.verificationUrl || this.stopped) return;
    await this.request('POST', stream.verificationUrl, { stream_id: stream.id, state: randomBytes(12).toString('base64url') });
  }

  private async openStream(): Promise<Stream> {
    const { issuer } = this.context;
    const configurationUrl = this.options.configurationUrl ?? new URL('.well-known/ssf-configuration', issuer.endsWith('/') ? issuer : `${issuer}/`).href;
    const metadata = (await this.request('GET', configurationUrl, undefined, undefined, false)) as Record<string, unknown>;
    if (metadata.issuer !== issuer) throw new Error(`the transmitter at ${configurationUrl} is ${String(metadata.issuer)}, not ${issuer}`);
    const method = this.options.delivery?.method ?? 'poll';
    if (!(metadata.delivery_methods_supported as unknown[] | undefined)?.includes(METHOD[method])) throw new Error(`the transmitter does not deliver by ${method}`);
    const delivery =
      this.options.delivery?.method === 'push'
        ? { method: METHOD.push, endpoint_url: this.options.delivery.endpointUrl, authorization_header: this.pushAuthorization }
        : { method: METHOD.poll };
    const endpoint = String(metadata.configuration_endpoint);
    const created = (await this.request('POST', endpoint, { delivery, events_requested: [SESSION_REVOKED, CREDENTIAL_CHANGE], description: this.options.description })) as Record<string, any>;
    if (created.iss !== issuer || created.aud !== this.options.credentials.clientId) throw new Error('the new stream names another issuer or audience');
    this.stream = {
      id: String(created.stream_id),
      pollUrl: method === 'poll' ? String(created.delivery?.endpoint_url) : null,
      configurationUrl: endpoint,
      verificationUrl: typeof metadata.verification_endpoint === 'string' ? metadata.verification_endpoint : undefined,
    };
    this.context.logger.info('receiving revocations from the auth service over SSF', { streamId: this.stream.id, delivery: method });
    return this.stream;
  }

  /** JSON in and out, HTTP Basic with the credential; a stream that has gone (404) is opened again at the next turn. */
  private async request(method: string, url: string, body?: unknown, timeoutMs = this.options.timeoutMs ?? 5000, authenticate = true): Promise<unknown> {
    // Everything stops with the receiver, but the deletion it sends on its way out.
    const signal = method === 'DELETE' ? AbortSignal.timeout(timeoutMs) : AbortSignal.any([this.inFlight.signal, AbortSignal.timeout(timeoutMs)]);
    const { clientId, clientSecret } = this.options.credentials;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (authenticate) headers.authorization = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await this.context.fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      redirect: 'error',
      signal,
    });
    if (response.status === 404 && this.stream && method !== 'DELETE') {
      this.context.logger.warn('the SSF stream is gone (deleted by the auth service?); opening a new one', { streamId: this.stream.id });
      this.stream = undefined;
    }
    if (response.status === 401 || response.status === 403) {
      throw new Error(`the auth service refused the credential of "${clientId}" (${response.status}): check SERVICE_CREDENTIALS and its ssf scope`);
    }
    if (!response.ok) throw new Error(`${method} ${new URL(url).pathname} answered ${response.status}`);
    return response.status === 204 ? undefined : response.json();
  }

  /** Heard from the auth service: fresh, and revocations whose tokens have all expired are forgotten. */
  private succeeded(): void {
    this.lastSuccessAt = this.context.now();
    for (const [sid, at] of this.revoked) if (at < this.lastSuccessAt - this.context.rememberMs) this.revoked.delete(sid);
    this.lastError = null;
    if (this.reportedUnavailable) this.context.logger.info('the SSF stream delivers again', { streamId: this.stream?.id });
    this.reportedUnavailable = false;
  }

  private failed(error: unknown): void {
    this.lastError = describeError(error);
    if (!this.healthy() && !this.reportedUnavailable) {
      this.reportedUnavailable = true;
      const failing = this.options.failMode === 'closed' ? 'refusing every token until it does' : 'accepting tokens without it';
      this.context.logger.error(`no revocation has arrived over SSF for over ${Math.round(this.maxStalenessMs / 1000)} s; ${failing}`, {
        failMode: this.options.failMode,
        error: this.lastError,
      });
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      timer.unref();
      this.timers.add(timer);
    });
  }
}

/** The sharing key of a receiver: one stream per process and configuration. */
export function sharedSignalsKey(issuer: string, options: SharedSignalsOptions): string {
  const { configurationUrl, delivery, failMode, maxStalenessMs, timeoutMs, verifyEveryMs, description } = options;
  return JSON.stringify(['ssf', issuer, configurationUrl, options.credentials.clientId, delivery, failMode, maxStalenessMs, timeoutMs, verifyEveryMs, description]);
}
