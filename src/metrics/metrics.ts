import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export const LOGIN_OUTCOMES = ['success', 'invalid_credentials', 'rate_limited', 'queue_full'] as const;
export const REFRESH_OUTCOMES = ['rotated', 'grace_replay', 'reuse_detected', 'expired', 'revoked', 'invalid'] as const;
export const REVOCATION_CAUSES = ['logout', 'logout_all', 'reuse', 'admin', 'password_change', 'password_reset', 'account_deletion', 'expiry_purge'] as const;
export const SSF_PUSH_OUTCOMES = ['delivered', 'failed', 'dead_lettered'] as const;
const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;

export type LoginOutcome = (typeof LOGIN_OUTCOMES)[number];
export type RefreshOutcome = (typeof REFRESH_OUTCOMES)[number];
export type RevocationCause = (typeof REVOCATION_CAUSES)[number];
export type SsfPushOutcome = (typeof SSF_PUSH_OUTCOMES)[number];

/** Records one answered request: its status and its duration in seconds. */
export type RequestObserver = (statusCode: number, seconds: number) => void;

type Sampler<T> = () => T | undefined;

/** A counter child per label value, made once: counting allocates nothing, and every series exists (at 0) from the start, as rate() alerts need. */
function childrenOf<const L extends string>(counter: Counter<string>, values: readonly L[]) {
  return Object.fromEntries(values.map((value) => [value, counter.labels(value)])) as Record<L, Counter.Internal>;
}

/**
 * What the service counts, for Prometheus (prom-client, on a registry of its
 * own rather than the process-wide default, so that several apps in one test
 * process stay apart). Counters are moved where an outcome is decided; gauges
 * that describe a state are sampled at scrape time from the room that owns it.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  private readonly logins = childrenOf(
    new Counter({ name: 'auth_logins_total', help: 'Login attempts by outcome.', labelNames: ['outcome'], registers: [this.registry] }),
    LOGIN_OUTCOMES,
  );

  private readonly registrations = new Counter({ name: 'auth_registrations_total', help: 'Accounts created.', registers: [this.registry] });

  private readonly refreshes = childrenOf(
    new Counter({ name: 'auth_refreshes_total', help: 'Refresh requests by outcome.', labelNames: ['outcome'], registers: [this.registry] }),
    REFRESH_OUTCOMES,
  );

  private readonly revocations = childrenOf(
    new Counter({
      name: 'auth_session_revocations_total',
      help: 'Sessions (token families) ended, by cause; expiry_purge counts ended sessions deleted after their retention.',
      labelNames: ['cause'],
      registers: [this.registry],
    }),
    REVOCATION_CAUSES,
  );

  private readonly activeSessions = new Gauge({
    name: 'auth_active_sessions',
    help: 'Live sessions, counted in the database on a timer (METRICS_ACTIVE_SESSIONS_INTERVAL_SECONDS).',
    registers: [this.registry],
  });

  private readonly hashRejections = new Counter({
    name: 'auth_password_hash_rejections_total',
    help: 'Password hashes refused because the argon2 queue was full (answered 503 service_busy).',
    registers: [this.registry],
  });

  private readonly hashWait = new Histogram({
    name: 'auth_password_hash_wait_seconds',
    help: 'Time a password hash waited in the argon2 queue before it ran.',
    buckets: [0.001, 0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  private readonly ssfPushes = childrenOf(
    new Counter({
      name: 'auth_ssf_push_attempts_total',
      help: 'Shared Signals push attempts by outcome: delivered, failed (retried later) or dead_lettered (no attempts left).',
      labelNames: ['outcome'],
      registers: [this.registry],
    }),
    SSF_PUSH_OUTCOMES,
  );

  private readonly ssfExpired = new Counter({
    name: 'auth_ssf_events_expired_total',
    help: 'Shared Signals events purged undelivered after SSF_EVENT_RETENTION_DAYS (waiting or dead-lettered).',
    registers: [this.registry],
  });

  private readonly requestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route template and status class.',
    labelNames: ['method', 'route', 'status_class'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  private hashQueueSampler: Sampler<number> | undefined;
  private poolSampler: Sampler<{ inUse: number; idle: number; waiting: number }> | undefined;
  private keyAgeSampler: Sampler<number> | undefined;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    const metrics = this;
    new Gauge({
      name: 'auth_password_hash_queue_depth',
      help: 'Password hashes waiting in the argon2 queue.',
      registers: [this.registry],
      collect() {
        this.set(metrics.hashQueueSampler?.() ?? 0);
      },
    });
    new Gauge({
      name: 'auth_db_pool_connections',
      help: 'Database pool: connections in use and idle, and requests waiting for one (state="waiting").',
      labelNames: ['state'],
      registers: [this.registry],
      collect() {
        const pool = metrics.poolSampler?.();
        if (!pool) return;
        this.labels('in_use').set(pool.inUse);
        this.labels('idle').set(pool.idle);
        this.labels('waiting').set(pool.waiting);
      },
    });
    new Gauge({
      name: 'auth_signing_key_age_seconds',
      help: 'Seconds since the current signing key became current.',
      registers: [this.registry],
      collect() {
        const age = metrics.keyAgeSampler?.();
        if (age !== undefined) this.set(age);
      },
    });
  }

  login(outcome: LoginOutcome): void {
    this.logins[outcome].inc();
  }

  registered(): void {
    this.registrations.inc();
  }

  refresh(outcome: RefreshOutcome): void {
    this.refreshes[outcome].inc();
  }

  sessionsEnded(cause: RevocationCause, count: number): void {
    if (count > 0) this.revocations[cause].inc(count);
  }

  ssfPush(outcome: SsfPushOutcome): void {
    this.ssfPushes[outcome].inc();
  }

  ssfEventsExpired(count: number): void {
    if (count > 0) this.ssfExpired.inc(count);
  }

  setActiveSessions(count: number): void {
    this.activeSessions.set(count);
  }

  passwordHashRejected(): void {
    this.hashRejections.inc();
  }

  /** Call when a hash is queued; call the result when it starts to run. */
  passwordHashQueued(): () => void {
    return this.hashWait.startTimer();
  }

  sampleHashQueue(read: Sampler<number>): void {
    this.hashQueueSampler = read;
  }

  sampleDatabasePool(read: Sampler<{ inUse: number; idle: number; waiting: number }>): void {
    this.poolSampler = read;
  }

  sampleSigningKeyAge(read: Sampler<number>): void {
    this.keyAgeSampler = read;
  }

  /** One observer per route, made when the route is registered: its label children are bound once per status class. */
  requestObserver(method: string, route: string): RequestObserver {
    const byClass = STATUS_CLASSES.map((statusClass) => this.requestDuration.labels(method, route, statusClass));
    return (statusCode, seconds) => {
      byClass[Math.min(Math.max(Math.floor(statusCode / 100) - 1, 0), 4)]!.observe(seconds);
    };
  }

  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
