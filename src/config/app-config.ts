import { sha256 } from '../common/crypto.js';
import type { Env } from './config.schema.js';

/** What the environment does not say but the configuration needs: resolved once by loadConfig. */
export interface ResolvedDefaults {
  refreshPepper: string;
  keyEncryptionSecret: string;
  hashConcurrency: number;
}

/**
 * The validated settings, grouped by the room that reads them. Its type is
 * inferred from this function, whose input is inferred from the schema, so
 * a setting is declared once (config.schema.ts) and typed everywhere.
 */
export function toAppConfig(env: Env, resolved: ResolvedDefaults) {
  // Outside production (where both are required) the defaults follow PORT, so that `PORT=4000 npm start` works as documented.
  const localOrigin = `http://localhost:${env.PORT}`;
  return {
    env: env.NODE_ENV,
    http: {
      host: env.HOST,
      port: env.PORT,
      trustProxy: env.TRUST_PROXY,
      bodyLimitBytes: env.BODY_LIMIT_BYTES,
      requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS,
      idleTimeoutMs: env.HTTP_IDLE_TIMEOUT_MS,
      maxConnections: env.HTTP_MAX_CONNECTIONS,
      maxConnectionsPerIp: env.HTTP_MAX_CONNECTIONS_PER_IP,
      shutdownTimeoutSeconds: env.SHUTDOWN_TIMEOUT_SECONDS,
      allowedOrigins: env.ALLOWED_ORIGINS ?? [localOrigin],
      /** Lower-cased: Node hands header names over that way. */
      csrfHeader: env.CSRF_HEADER.toLowerCase(),
    },
    log: { level: env.LOG_LEVEL },
    database: {
      /** Absent: the embedded development database is used. */
      url: env.DATABASE_URL,
      directUrl: env.DATABASE_DIRECT_URL ?? env.DATABASE_URL,
      pooler: env.DATABASE_POOLER,
      poolSize: env.DATABASE_POOL_SIZE,
      connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS,
      queryTimeoutMs: env.DATABASE_QUERY_TIMEOUT_MS,
      dataDir: env.DATA_DIR,
      embeddedPort: env.EMBEDDED_DB_PORT,
      migrateOnStart: env.MIGRATE_ON_START,
    },
    tokens: {
      issuer: env.AUTH_ISSUER ?? localOrigin,
      audience: env.AUTH_AUDIENCE,
      accessTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
      jwksMaxAgeSeconds: env.JWKS_MAX_AGE_SECONDS,
      jwksStaleWhileRevalidateSeconds: env.JWKS_STALE_WHILE_REVALIDATE_SECONDS,
      /** 0: keys rotate only when an operator asks. */
      rotationIntervalDays: env.SIGNING_KEY_ROTATION_DAYS,
      keyEncryptionSecret: resolved.keyEncryptionSecret,
    },
    sessions: {
      graceSeconds: env.REFRESH_GRACE_SECONDS,
      checkCacheMs: env.SESSION_CHECK_CACHE_MS,
      idleTtlSeconds: env.SESSION_IDLE_TTL_SECONDS,
      absoluteTtlSeconds: env.SESSION_ABSOLUTE_TTL_SECONDS,
      refreshPepper: resolved.refreshPepper,
    },
    cookies: {
      accessName: env.COOKIE_ACCESS_NAME,
      refreshName: env.COOKIE_REFRESH_NAME,
      secure: env.COOKIE_SECURE,
      domain: env.COOKIE_DOMAIN,
    },
    argon2: {
      memoryKiB: env.ARGON2_MEMORY_KIB,
      timeCost: env.ARGON2_TIME_COST,
      parallelism: env.ARGON2_PARALLELISM,
      maxConcurrency: env.ARGON2_MAX_CONCURRENCY ?? resolved.hashConcurrency,
      maxQueue: env.ARGON2_MAX_QUEUE,
    },
    rateLimits: {
      redisUrl: env.REDIS_URL,
      windowSeconds: env.RATE_LIMIT_WINDOW_SECONDS,
      loginPerIp: env.RATE_LIMIT_LOGIN_PER_IP,
      loginPerAccountIp: env.RATE_LIMIT_LOGIN_PER_ACCOUNT_IP,
      loginPerAccount: env.RATE_LIMIT_LOGIN_PER_ACCOUNT,
      registerPerIp: env.RATE_LIMIT_REGISTER_PER_IP,
      refreshPerIp: env.RATE_LIMIT_REFRESH_PER_IP,
      perServiceClient: env.RATE_LIMIT_SERVICE_CLIENT,
      recoveryPerIp: env.RATE_LIMIT_RECOVERY_PER_IP,
      mailsPerAccount: env.RATE_LIMIT_MAILS_PER_ACCOUNT,
      mailWindowSeconds: env.RATE_LIMIT_MAIL_WINDOW_SECONDS,
    },
    mail: {
      enabled: env.MAIL_ENABLED,
      /** Absent outside production: mails go to the log (development only). */
      smtpUrl: env.SMTP_URL,
      from: env.MAIL_FROM ?? 'auth-service <no-reply@localhost>',
      linkBaseUrl: env.ACCOUNT_LINK_BASE_URL ?? 'http://localhost:5173/',
    },
    account: {
      resetTtlSeconds: env.PASSWORD_RESET_TTL_SECONDS,
      verificationTtlSeconds: env.EMAIL_VERIFICATION_TTL_SECONDS,
      loginRequiresVerifiedEmail: env.LOGIN_REQUIRES_VERIFIED_EMAIL,
    },
    /** Other backend services; only a hash of each secret outlives loading. */
    serviceClients: (env.SERVICE_CREDENTIALS ?? []).map((credential) => ({
      clientId: credential.clientId,
      scopes: credential.scopes,
      secretHash: sha256(credential.secret),
    })),
    audit: {
      /** Every rotation and every grace-window replay writes an event. */
      refreshes: env.AUDIT_REFRESHES,
    },
    metrics: {
      /** Absent: GET /metrics is off. */
      token: env.METRICS_TOKEN,
      activeSessionsIntervalSeconds: env.METRICS_ACTIVE_SESSIONS_INTERVAL_SECONDS,
    },
    docs: { enabled: env.DOCS_ENABLED ?? env.NODE_ENV !== 'production' },
    adminConsole: { enabled: env.ADMIN_CONSOLE_ENABLED ?? env.NODE_ENV !== 'production', path: env.ADMIN_CONSOLE_PATH },
    sharedSignals: {
      pushAllowedNetworks: env.SSF_PUSH_ALLOWED_NETWORKS ?? [],
      /** Tests run their receivers on this machine. */
      pushAllowsLoopback: env.NODE_ENV === 'test',
      /** Outside production a receiver may listen on plain HTTP (a laptop); in production pushes need TLS. */
      pushRequiresHttps: env.NODE_ENV === 'production',
      pushMaxAttempts: env.SSF_PUSH_MAX_ATTEMPTS,
      pushRetryBaseMs: env.SSF_PUSH_RETRY_BASE_MS,
      pushTimeoutMs: env.SSF_PUSH_TIMEOUT_MS,
      pollMaxWaitSeconds: env.SSF_POLL_MAX_WAIT_SECONDS ?? Math.max(0, Math.min(20, Math.floor(env.HTTP_IDLE_TIMEOUT_MS / 1000) - 5)),
      eventRetentionDays: env.SSF_EVENT_RETENTION_DAYS,
      /** 0: streams are never deleted for inactivity. */
      streamInactivityDays: env.SSF_STREAM_INACTIVITY_DAYS,
    },
    purge: {
      /** Ended sessions (and their tokens) are kept this long for support and forensics. */
      retentionDays: env.RETENTION_DAYS,
      /** 0 keeps audit events forever. */
      auditRetentionDays: env.AUDIT_RETENTION_DAYS,
      intervalSeconds: env.PURGE_INTERVAL_SECONDS,
      batchSize: env.PURGE_BATCH_SIZE,
    },
  };
}

type Settings = ReturnType<typeof toAppConfig>;

/**
 * The dependency-injection token for the configuration; the interface of the
 * same name gives it the inferred shape.
 */
export abstract class AppConfig {}
export interface AppConfig extends Readonly<Settings> {}
