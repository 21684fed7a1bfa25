import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { Random } from '../common/random.js';
import { AppConfig } from '../config/app-config.js';
import { NotificationListener } from '../database/notification-listener.js';
import { CHANNEL } from '../database/notifications.js';
import { Metrics } from '../metrics/metrics.js';
import { pushBackoffMs, pushLeaseMs, unitInterval } from './delivery-rules.js';
import { openAuthorization } from './push-authorization.js';
import { PushTransport } from './push-transport.js';
import { SecurityEventSigner } from './security-event-signer.js';
import { type ClaimedPush, SecurityEventsRepository } from './security-events.repository.js';
import { StreamsRepository } from './streams.repository.js';

/** Due pushes are looked for this often, and at once when a transaction writes events (NOTIFY). */
const SWEEP_INTERVAL_MS = 1000;
/** Pushes claimed, and sent in parallel, per round. */
const BATCH_SIZE = 20;

/**
 * RFC 8935 push delivery, on every instance: claims due events (each by one
 * instance at a time: SecurityEventsRepository.claimDuePushes), signs and
 * posts them, then records the outcome: delivered, retried later with
 * exponential backoff and jitter, or dead-lettered after
 * SSF_PUSH_MAX_ATTEMPTS. An instance that dies mid-push leaves its claim to
 * lapse, and another tries again: at least once, with the same jti.
 */
@Injectable()
export class PushDelivery implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(PushDelivery.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private again = false;
  private stopped = false;

  constructor(
    private readonly events: SecurityEventsRepository,
    private readonly streams: StreamsRepository,
    private readonly transport: PushTransport,
    private readonly signer: SecurityEventSigner,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly listener: NotificationListener,
    private readonly metrics: Metrics,
  ) {}

  onApplicationBootstrap(): void {
    this.listener.on(CHANNEL.securityEvents, () => this.wake());
    this.timer = setInterval(() => this.wake(), SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  /** Lets pushes in flight finish (each bounded by SSF_PUSH_TIMEOUT_MS) and record their outcome before the pool closes. */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** Delivers everything due now, round after round; resolves with how many were attempted. A pass under way is joined. */
  deliverDue(): Promise<number> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.deliverDue().then(
      () => {
        if (this.again) {
          this.again = false;
          this.wake();
        }
      },
      (error: unknown) => this.logger.error({ msg: 'push delivery round failed; retrying at the next sweep', err: error }),
    );
  }

  private async pass(): Promise<number> {
    let attempted = 0;
    while (!this.stopped) {
      const now = this.clock.now();
      const leaseUntil = new Date(now.getTime() + pushLeaseMs(this.config.sharedSignals.pushTimeoutMs));
      const claimed = await this.events.claimDuePushes(now, leaseUntil, BATCH_SIZE);
      await Promise.all(claimed.map((push) => this.attempt(push)));
      attempted += claimed.length;
      if (claimed.length < BATCH_SIZE) return attempted;
    }
    return attempted;
  }

  private async attempt(push: ClaimedPush): Promise<void> {
    const outcome = await this.send(push);
    const now = this.clock.now();
    if (outcome.delivered) {
      await this.events.markDelivered(push.id, now);
      this.metrics.ssfPush('delivered');
      // A receiver that takes our pushes is alive, whether or not it calls us: its stream is not idle.
      await this.streams.touch(push.streamId, now);
      return;
    }
    const { pushMaxAttempts, pushRetryBaseMs } = this.config.sharedSignals;
    const log = { streamId: push.streamId, jti: push.jti, attempts: push.attempts, error: outcome.error };
    if (push.attempts >= pushMaxAttempts) {
      await this.events.deadLetter(push.id, now, outcome.error);
      this.metrics.ssfPush('dead_lettered');
      this.logger.error({ msg: 'a security event could not be pushed and was dead-lettered', event: 'ssf_event_dead_lettered', ...log });
      return;
    }
    const delayMs = pushBackoffMs(push.attempts, pushRetryBaseMs, unitInterval(this.random.bytes(4)));
    await this.events.scheduleRetry(push.id, new Date(now.getTime() + delayMs), outcome.error);
    this.metrics.ssfPush('failed');
    this.logger.warn({ msg: 'a security event push failed; retrying later', event: 'ssf_push_failed', ...log, retryInMs: delayMs });
  }

  private async send(push: ClaimedPush): Promise<{ delivered: true } | { delivered: false; error: string }> {
    let authorization: string | null = null;
    if (push.authorizationCiphertext) {
      authorization = openAuthorization(this.config.tokens.keyEncryptionSecret, push.streamId, push.authorizationCiphertext);
      if (authorization === null) {
        return { delivered: false, error: 'the stored authorization_header does not decrypt (KEY_ENCRYPTION_SECRET changed); the receiver must set it again' };
      }
    }
    return this.transport.push(push.endpointUrl, authorization, await this.signer.sign(push.claims));
  }
}
