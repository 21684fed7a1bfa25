import { z } from 'zod';

/**
 * Every setting the service reads, by its environment variable name.
 * Values arrive as strings; the schema coerces and bounds them, so that a bad
 * value stops the service at startup with the variable named.
 */

const OWASP_ARGON2 = { memoryKiB: 19456, timeCost: 2, parallelism: 1 } as const;

const boolean = z
  .enum(['true', 'false', '1', '0'], { message: 'must be true or false' })
  .transform((value) => value === 'true' || value === '1');

/** Decimal digits only: "0x12c", "3e2" or " " are mistakes, not numbers. */
const integer = (min: number, max: number) =>
  z
    .string()
    .regex(/^-?\d+$/, { message: 'must be a whole number' })
    .transform(Number)
    .pipe(z.number())
    .refine((value) => value >= min, { message: `must be at least ${min}` })
    .refine((value) => value <= max, { message: `must be at most ${max}` });

const secret = z.string().min(32, { message: 'must be at least 32 characters' });

const origin = z.string().transform((value, ctx) => {
  try {
    const url = new URL(value);
    if (url.origin === 'null' || url.origin !== value.replace(/\/$/, '')) {
      throw new Error('not an origin');
    }
    return url.origin;
  } catch {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not an origin such as https://app.example.com` });
    return z.NEVER;
  }
});

const originList = z
  .string()
  .transform((value) => value.split(',').map((entry) => entry.trim()).filter(Boolean))
  .pipe(z.array(origin));

const cookieName = z.string().regex(/^[A-Za-z0-9_-]+$/, { message: 'must be a cookie token ([A-Za-z0-9_-])' });

const DAY = 24 * 60 * 60;

/**
 * Which proxies may name the client in X-Forwarded-For: "false", a number of
 * hops, or the proxies' addresses and CIDR ranges. Never "trust everyone":
 * then the client picks its own IP and walks past per-IP rate limits.
 */
const trustProxy = z
  .string()
  .transform((value, ctx): false | number | string => {
    if (value === 'false' || value === '0') return false;
    if (/^\d{1,2}$/.test(value)) return Number(value);
    const entries = value.split(',').map((entry) => entry.trim());
    if (entries.every((entry) => /^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(entry) && entry.length > 1)) return entries.join(',');
    ctx.addIssue({ code: 'custom', message: 'must be false, a number of proxy hops, or proxy addresses/CIDR ranges separated by commas' });
    return z.NEVER;
  });

export const envSchema = z
  .object({
    NODE_ENV: z.enum(['production', 'development', 'test']).default('development'),
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: integer(0, 65535).default(3000),
    TRUST_PROXY: trustProxy.default(false),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    BODY_LIMIT_BYTES: integer(1024, 1024 * 1024).default(16 * 1024),

    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, { message: 'must be a postgresql:// URL' })
      .optional(),
    DATABASE_POOL_SIZE: integer(1, 100).default(10),
    DATA_DIR: z.string().min(1).default('.data'),
    EMBEDDED_DB_PORT: integer(0, 65535).default(0),
    MIGRATE_ON_START: boolean.default(true),

    AUTH_ISSUER: z.url({ message: 'must be a URL' }).optional(),
    AUTH_AUDIENCE: z.string().min(1).default('auth-service'),
    // 5 to 15 minutes; NODE_ENV=test alone may go lower, so that browser tests can watch a token expire.
    ACCESS_TOKEN_TTL_SECONDS: integer(1, 900).default(600),
    REFRESH_GRACE_SECONDS: integer(0, 60).default(10),
    SESSION_CHECK_CACHE_MS: integer(0, 5000).default(1000),
    SESSION_IDLE_TTL_SECONDS: integer(300, 365 * DAY).default(14 * DAY),
    SESSION_ABSOLUTE_TTL_SECONDS: integer(300, 365 * DAY).default(30 * DAY),
    JWKS_MAX_AGE_SECONDS: integer(0, 3600).default(300),

    COOKIE_ACCESS_NAME: cookieName.default('__Host-access'),
    COOKIE_REFRESH_NAME: cookieName.default('__Secure-refresh'),
    COOKIE_SECURE: boolean.default(true),
    COOKIE_DOMAIN: z
      .string()
      .regex(/^\.?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i, { message: 'must be a domain name such as example.com' })
      .optional(),

    ALLOWED_ORIGINS: originList.optional(),
    CSRF_HEADER: z
      .string()
      .regex(/^[A-Za-z0-9-]+$/, { message: 'must be an HTTP header name' })
      .default('X-Requested-With'),

    ARGON2_MEMORY_KIB: integer(8, 4 * 1024 * 1024).default(OWASP_ARGON2.memoryKiB),
    ARGON2_TIME_COST: integer(1, 20).default(OWASP_ARGON2.timeCost),
    ARGON2_PARALLELISM: integer(1, 16).default(OWASP_ARGON2.parallelism),
    ARGON2_MAX_CONCURRENCY: integer(1, 64).optional(),
    ARGON2_MAX_QUEUE: integer(0, 10000).default(64),

    RATE_LIMIT_LOGIN_PER_IP: integer(1, 100000).default(20),
    RATE_LIMIT_LOGIN_PER_ACCOUNT: integer(1, 100000).default(5),
    RATE_LIMIT_REGISTER_PER_IP: integer(1, 100000).default(10),
    RATE_LIMIT_REFRESH_PER_IP: integer(1, 1000000).default(600),
    RATE_LIMIT_WINDOW_SECONDS: integer(1, 3600).default(60),

    RETENTION_DAYS: integer(0, 3650).default(30),
    AUDIT_RETENTION_DAYS: integer(0, 36500).default(365),
    PURGE_INTERVAL_SECONDS: integer(0, 7 * DAY).default(3600),
    PURGE_BATCH_SIZE: integer(1, 100000).default(1000),

    REFRESH_TOKEN_PEPPER: secret.optional(),
    KEY_ENCRYPTION_SECRET: secret.optional(),
  })
  .superRefine((env, ctx) => {
    const fail = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });

    if (env.SESSION_IDLE_TTL_SECONDS > env.SESSION_ABSOLUTE_TTL_SECONDS) {
      fail('SESSION_IDLE_TTL_SECONDS', 'must not exceed SESSION_ABSOLUTE_TTL_SECONDS');
    }
    for (const name of ['COOKIE_ACCESS_NAME', 'COOKIE_REFRESH_NAME'] as const) {
      const value = env[name];
      if ((value.startsWith('__Host-') || value.startsWith('__Secure-')) && !env.COOKIE_SECURE) {
        fail(name, `a cookie named ${value.split('-')[0]}-… needs COOKIE_SECURE=true (browsers drop it otherwise)`);
      }
      if (value.startsWith('__Host-') && env.COOKIE_DOMAIN) {
        fail(name, 'a __Host- cookie cannot carry a Domain; unset COOKIE_DOMAIN or rename the cookie');
      }
    }
    if (env.COOKIE_ACCESS_NAME === env.COOKIE_REFRESH_NAME) {
      fail('COOKIE_REFRESH_NAME', 'must differ from COOKIE_ACCESS_NAME');
    }
    if (env.COOKIE_REFRESH_NAME.startsWith('__Host-')) {
      fail('COOKIE_REFRESH_NAME', 'the refresh cookie has Path=/auth, which a __Host- cookie forbids');
    }

    if (env.NODE_ENV !== 'test') {
      if (env.ACCESS_TOKEN_TTL_SECONDS < 300) fail('ACCESS_TOKEN_TTL_SECONDS', 'must be at least 300');
      if (env.ARGON2_MEMORY_KIB < OWASP_ARGON2.memoryKiB) {
        fail('ARGON2_MEMORY_KIB', `must be at least ${OWASP_ARGON2.memoryKiB} (OWASP minimum for argon2id)`);
      }
      if (env.ARGON2_TIME_COST < OWASP_ARGON2.timeCost) {
        fail('ARGON2_TIME_COST', `must be at least ${OWASP_ARGON2.timeCost} (OWASP minimum for argon2id)`);
      }
    }

    if (env.NODE_ENV === 'production') {
      // Secrets have no default here; issuer and origins default to a laptop's, which would be a silent misconfiguration.
      for (const name of ['REFRESH_TOKEN_PEPPER', 'KEY_ENCRYPTION_SECRET', 'DATABASE_URL', 'AUTH_ISSUER', 'ALLOWED_ORIGINS'] as const) {
        if (!env[name]) fail(name, 'is required when NODE_ENV=production');
      }
      if (!env.COOKIE_SECURE) fail('COOKIE_SECURE', 'must be true when NODE_ENV=production');
      if (env.REFRESH_TOKEN_PEPPER && env.REFRESH_TOKEN_PEPPER === env.KEY_ENCRYPTION_SECRET) {
        fail('KEY_ENCRYPTION_SECRET', 'must differ from REFRESH_TOKEN_PEPPER');
      }
    }
  });

export type Env = z.output<typeof envSchema>;
