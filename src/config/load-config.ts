import { availableParallelism } from 'node:os';
import type { z } from 'zod';
import type { AppConfig } from './app-config.js';
import { loadOrCreateDevelopmentSecrets } from './development-secrets.js';
import { envSchema, type Env } from './config.schema.js';

/**
 * One hash per core, but always leave a libuv thread free (4 by default):
 * DNS lookups for new database connections and file work share that pool.
 */
function defaultHashConcurrency(): number {
  const threads = Number(process.env.UV_THREADPOOL_SIZE) || 4;
  return Math.max(1, Math.min(availableParallelism(), threads - 1));
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadedConfig {
  config: AppConfig;
  /** Said once at startup by the caller, which owns the logger. */
  warnings: string[];
}

/** Outside production only: in production these must be set explicitly. */
const DEVELOPMENT_ORIGIN = 'http://localhost:3000';

const SECRET_NAMES = new Set(['REFRESH_TOKEN_PEPPER', 'KEY_ENCRYPTION_SECRET', 'DATABASE_URL']);

function describe(issue: z.core.$ZodIssue, source: Record<string, string | undefined>): string {
  const name = String(issue.path[0] ?? 'configuration');
  const raw = source[name];
  const shown = raw === undefined || SECRET_NAMES.has(name) ? '' : ` (got "${raw}")`;
  return `${name}: ${issue.message}${shown}`;
}

/**
 * Reads the environment once. Empty strings count as unset, so that
 * `FOO=` in an env file falls back to the default rather than failing.
 */
export function loadConfig(source: Record<string, string | undefined> = process.env): LoadedConfig {
  const present = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => describe(issue, present)));
  }
  const env: Env = parsed.data;

  const warnings: string[] = [];

  let pepper = env.REFRESH_TOKEN_PEPPER;
  let keyEncryptionSecret = env.KEY_ENCRYPTION_SECRET;
  if (!pepper || !keyEncryptionSecret) {
    const generated = loadOrCreateDevelopmentSecrets(env.DATA_DIR);
    pepper ??= generated.secrets.refreshPepper;
    keyEncryptionSecret ??= generated.secrets.keyEncryptionSecret;
    warnings.push(
      `REFRESH_TOKEN_PEPPER or KEY_ENCRYPTION_SECRET is not set: using development secrets from ${generated.path}. Never do this in production.`,
    );
  }

  const config: AppConfig = {
    env: env.NODE_ENV,
    http: {
      host: env.HOST,
      port: env.PORT,
      trustProxy: env.TRUST_PROXY,
      bodyLimitBytes: env.BODY_LIMIT_BYTES,
      allowedOrigins: env.ALLOWED_ORIGINS ?? [DEVELOPMENT_ORIGIN],
      csrfHeader: env.CSRF_HEADER.toLowerCase(),
    },
    log: { level: env.LOG_LEVEL },
    database: {
      url: env.DATABASE_URL,
      poolSize: env.DATABASE_POOL_SIZE,
      dataDir: env.DATA_DIR,
      embeddedPort: env.EMBEDDED_DB_PORT,
      migrateOnStart: env.MIGRATE_ON_START,
    },
    tokens: {
      issuer: env.AUTH_ISSUER ?? DEVELOPMENT_ORIGIN,
      audience: env.AUTH_AUDIENCE,
      accessTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
      jwksMaxAgeSeconds: env.JWKS_MAX_AGE_SECONDS,
      keyEncryptionSecret,
    },
    sessions: {
      graceSeconds: env.REFRESH_GRACE_SECONDS,
      checkCacheMs: env.SESSION_CHECK_CACHE_MS,
      idleTtlSeconds: env.SESSION_IDLE_TTL_SECONDS,
      absoluteTtlSeconds: env.SESSION_ABSOLUTE_TTL_SECONDS,
      refreshPepper: pepper,
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
      maxConcurrency: env.ARGON2_MAX_CONCURRENCY ?? defaultHashConcurrency(),
      maxQueue: env.ARGON2_MAX_QUEUE,
    },
    rateLimits: {
      windowSeconds: env.RATE_LIMIT_WINDOW_SECONDS,
      loginPerIp: env.RATE_LIMIT_LOGIN_PER_IP,
      loginPerAccount: env.RATE_LIMIT_LOGIN_PER_ACCOUNT,
      registerPerIp: env.RATE_LIMIT_REGISTER_PER_IP,
      refreshPerIp: env.RATE_LIMIT_REFRESH_PER_IP,
    },
    purge: {
      retentionDays: env.RETENTION_DAYS,
      auditRetentionDays: env.AUDIT_RETENTION_DAYS,
      intervalSeconds: env.PURGE_INTERVAL_SECONDS,
      batchSize: env.PURGE_BATCH_SIZE,
    },
  };
  return { config, warnings };
}
