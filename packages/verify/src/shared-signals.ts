import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { VerifierLogger } from './errors.js';
import { Freshness } from './freshness.js';
import type { JwksCache } from './jwks-cache.js';
import type { RevocationSource, RevocationsHealth } from './revocations.js';
import type { PushAnswer, PushedEvent, SharedSignalsOptions } from './shared-signals-options.js';
import { revokedSessionId, SetRefused, VERIFICATION, verifySecurityEvent } from './security-event-token.js';
import { type Stream, StreamGone, TransmitterClient } from './transmitter-client.js';

/** An event whose key is not fetched yet is left for redelivery this many times (the JWKS refetches once per cooldown), then reported. */
const MAX_UNVERIFIED_TURNS = 12;
const UNVERIFIED_RETRY_MS = 5000;

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
  private readonly freshness: Freshness;
  private stopped = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new AbortController();
  private readonly transmitter: TransmitterClient;
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
    this.freshness = new Freshness(this.maxStalenessMs, context.now, context.logger, { what: 'the SSF stream', failMode: options.failMode, fields: () => ({ streamId: this.stream?.id }) });
    this.pushAuthorization = push ? `Bearer ${randomBytes(32).toString('base64url')}` : undefined;
    const { clientId, clientSecret } = options.credentials;
    this.transmitter = new TransmitterClient(
      { issuer: context.issuer, configurationUrl: options.configurationUrl, clientId, clientSecret, timeoutMs: options.timeoutMs ?? 5000 },
      context.fetch,
      this.inFlight.signal,
    );
    this.ready = push ? this.startPush() : this.startPoll();
  }

  isRevoked(sid: string): boolean {
    return this.revoked.has(sid);
  }

  healthy(): boolean {
    return this.freshness.healthy();
  }

  health(): RevocationsHealth {
    return {
      source: 'ssf',
      healthy: this.healthy(),
      failMode: this.options.failMode,
      lastSuccessAt: this.freshness.lastSuccess(),
      entries: this.revoked.size,
      lastError: this.freshness.lastError,
      streamId: this.stream?.id ?? null,
    };
  }

  /** Poll: a poll that returns at once, beside the long one. Push: a verification event asked for. */
  refresh(): Promise<void> {
    return (this.pushAuthorization ? this.requestVerification() : this.pollOnce(true)).catch((error: unknown) => this.freshness.failed(error));
  }

  /** Stops receiving and deletes the stream (best effort: a stream left behind is deleted by the auth service once idle). */
  stop(): void {
    this.stopped = true;
    this.inFlight.abort();
    for (const timer of this.timers) clearTimeout(timer);
    if (this.stream) void this.transmitter.deleteStream(this.stream).catch(() => undefined);
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
      this.freshness.failed(error);
    }
    void this.pollForever();
  }

  /** Poll: long polls one after the other; a SET whose key is not fetched yet slows them down until it verifies. */
  private pollForever(): Promise<void> {
    return this.keepGoing(async () => {
      const unverifiedBefore = this.unverified.size;
      await this.pollOnce(false);
      return this.unverified.size > 0 && this.unverified.size >= unverifiedBefore ? UNVERIFIED_RETRY_MS : 0;
    });
  }

  /** Runs `turn` until stopped, pausing as long as it says, or longer and longer while it fails. */
  private async keepGoing(turn: () => Promise<number>): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        const pauseMs = await turn();
        failures = 0;
        if (pauseMs > 0) await this.sleep(pauseMs);
      } catch (error) {
        if (this.stopped) return;
        this.freshness.failed(error);
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
    let sets: Record<string, unknown>;
    try {
      const body = { maxEvents: 100, returnImmediately: immediately, ack: acks, setErrs: errors };
      sets = await this.transmitter.poll(stream, body, immediately ? undefined : this.maxStalenessMs);
    } catch (error) {
      // Not known to have been read: they go again with the next poll (acknowledging twice changes nothing).
      this.acks.push(...acks);
      Object.assign(this.errors, errors);
      this.forgetIfGone(error);
      throw error;
    }
    for (const [jti, set] of Object.entries(sets)) {
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
    const sid = revokedSessionId(event);
    const at = typeof event.event.event_timestamp === 'number' ? event.event.event_timestamp * 1000 : this.context.now();
    if (sid) this.revoked.set(sid, Math.max(this.revoked.get(sid) ?? at, at));
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
  private maintainPushStream(): Promise<void> {
    return this.keepGoing(async () => {
      if (!this.stream) await this.openStream();
      await this.requestVerification();
      return this.options.verifyEveryMs ?? 60_000;
    });
  }

  private async requestVerification(): Promise<void> {
    if (!this.stream || this.stopped) return;
    try {
      await this.transmitter.requestVerification(this.stream);
    } catch (error) {
      this.forgetIfGone(error);
      throw error;
    }
  }

  private async openStream(): Promise<Stream> {
    const delivery = this.options.delivery?.method === 'push' ? { ...this.options.delivery, authorization: this.pushAuthorization! } : { method: 'poll' as const };
    this.stream = await this.transmitter.openStream(delivery, this.options.description);
    this.context.logger.info('receiving revocations from the auth service over SSF', { streamId: this.stream.id, delivery: delivery.method });
    return this.stream;
  }

  /** A stream that has gone (deleted by the auth service after a long silence, or by ops) is opened again at the next turn. */
  private forgetIfGone(error: unknown): void {
    if (!(error instanceof StreamGone) || !this.stream) return;
    this.context.logger.warn('the SSF stream is gone; opening a new one', { streamId: this.stream.id });
    this.stream = undefined;
  }

  /** Heard from the auth service: fresh, and revocations whose tokens have all expired are forgotten. */
  private succeeded(): void {
    this.freshness.succeeded();
    const now = this.context.now();
    for (const [sid, at] of this.revoked) if (at < now - this.context.rememberMs) this.revoked.delete(sid);
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
