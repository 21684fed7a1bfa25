import { z } from 'zod';
import { accountSettingsShape, refineAccountSettings } from './account-settings.js';
import { operationsSettings } from './operations.settings.js';
import { serviceCredentials } from './service-credentials.js';
import { checkSettings, OWASP_ARGON2 } from './setting-rules.js';
import { boolean, cookieName, DAY, documented, integer, MAX_PROXY_HOPS, originList, postgresUrl, secret, type SettingDoc, trustProxy } from './setting-types.js';
import { sharedSignalsSettings } from './shared-signals.settings.js';

export type { SettingDoc } from './setting-types.js';

/**
 * Every setting the service reads, by its environment variable name, with
 * its bounds, its default and its description (`doc`, and `defaultDoc` where
 * the default is computed). Values arrive as strings; the schema coerces and
 * bounds them, so that a bad value stops the service at startup with the
 * variable named. docs/configuration.md's table is checked against this file
 * by test/unit/settings-table.test.ts.
 */


export const settingsShape = {
  NODE_ENV: documented(z.enum(['production', 'development', 'test']).default('development'), {
    doc: '`production` requires the secrets, `DATABASE_URL`, `AUTH_ISSUER` and `ALLOWED_ORIGINS` (and, while `MAIL_ENABLED`, `SMTP_URL`, `MAIL_FROM` and an https `ACCOUNT_LINK_BASE_URL`), forbids `COOKIE_SECURE=false`; `test` allows argon2 below the OWASP minimum and access tokens shorter than 300 s (tests only)',
  }),
  HOST: documented(z.string().min(1).default('127.0.0.1'), { doc: 'where to listen (`0.0.0.0` in a container)' }),
  PORT: documented(integer(0, 65535).default(3000), { doc: 'the port to listen on' }),
  TRUST_PROXY: documented(trustProxy.default(false), {
    doc: `behind your own proxies: the number of proxy hops (\`1\`–\`${MAX_PROXY_HOPS}\`), or their addresses/CIDR ranges (\`10.0.0.0/8,192.168.1.10\`; at most /8 for IPv4, /32 for IPv6); the client IP is then read from \`X-Forwarded-For\` through those proxies only, and stored only if it is an IP. \`true\`, larger counts and catch-all ranges are refused: they would let clients pick their own IP`,
  }),
  LOG_LEVEL: documented(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'), {
    doc: '`fatal` … `trace`, or `silent`',
  }),
  BODY_LIMIT_BYTES: documented(integer(1024, 1024 * 1024).default(16 * 1024), { doc: 'larger bodies get 413 `payload_too_large`' }),
  HTTP_REQUEST_TIMEOUT_MS: documented(integer(1000, 300_000).default(15_000), {
    doc: 'a request must arrive whole (headers and body) within this; a slower client gets 408 `request_timeout` and its socket is closed',
  }),
  HTTP_IDLE_TIMEOUT_MS: documented(integer(1000, 300_000).default(30_000), {
    doc: 'a connection with no traffic for this long is closed (keep-alive sockets between requests included)',
  }),
  HTTP_MAX_CONNECTIONS: documented(integer(16, 1_000_000).default(4096), {
    doc: 'open connections at most; more are refused at once, before any parsing',
  }),
  HTTP_MAX_CONNECTIONS_PER_IP: documented(integer(0, 1_000_000).default(256), {
    doc: 'open connections per client IP at most (`0`: no limit); counted on the socket address, so only without `TRUST_PROXY` (behind a proxy, cap connections there)',
  }),
  SHUTDOWN_TIMEOUT_SECONDS: documented(integer(1, 300).default(10), {
    doc: 'on SIGTERM or SIGINT: stop accepting, let requests in flight finish for at most this long, then close the database pool and exit',
  }),

  DATABASE_URL: documented(postgresUrl.optional(), {
    doc: '`postgresql://…`; unset means the embedded development database',
    defaultDoc: 'unset',
    secret: true,
  }),
  DATABASE_DIRECT_URL: documented(postgresUrl.optional(), {
    doc: 'a direct (unpooled) connection to the same database, for what needs a session of its own: the revocation listener (`LISTEN`) and migrations. Required with `DATABASE_POOLER=transaction`',
    defaultDoc: '`DATABASE_URL`',
    secret: true,
  }),
  DATABASE_POOLER: documented(z.enum(['none', 'transaction']).default('none'), {
    doc: '`transaction` when `DATABASE_URL` goes through PgBouncer (or another pooler) in transaction mode: no startup parameters, server-side timeouts and the UTC time zone set per transaction (`SET LOCAL`); set them on the role too for single statements (docs/several-instances.md; the service refuses to start when the time zone of the role is not UTC)',
  }),
  DATABASE_POOL_SIZE: documented(integer(1, 100).default(10), { doc: 'connections in the pool' }),
  DATABASE_CONNECT_TIMEOUT_MS: documented(integer(100, 60_000).default(5_000), {
    doc: 'waiting for a pooled connection (or a new one to open) fails after this, as 503 with `Retry-After`',
  }),
  DATABASE_QUERY_TIMEOUT_MS: documented(integer(1000, 120_000).default(20_000), {
    doc: 'a query with no answer for this long fails on the client side and its connection is dropped (a stalled link, where the server-side 15 s `statement_timeout` never fires)',
  }),
  DATA_DIR: documented(z.string().min(1).default('.data'), { doc: 'embedded database files and generated development secrets' }),
  EMBEDDED_DB_PORT: documented(integer(0, 65535).default(0), {
    doc: "port of the embedded database's wire-protocol server (`0`: any free port)",
  }),
  MIGRATE_ON_START: documented(boolean.default(true), { doc: 'apply pending migrations at startup' }),

  AUTH_ISSUER: documented(z.url({ message: 'must be a URL' }).optional(), {
    doc: 'the `iss` claim',
    defaultDoc: '`http://localhost:<PORT>` outside production',
  }),
  AUTH_AUDIENCE: documented(z.string().min(1).default('auth-service'), {
    doc: 'the `aud` (and `client_id`) claim that this service and its peers expect',
  }),
  // 5 to 15 minutes; NODE_ENV=test alone may go lower, so that browser tests can watch a token expire.
  ACCESS_TOKEN_TTL_SECONDS: documented(integer(1, 900).default(600), { doc: 'access-token lifetime, 300–900' }),
  REFRESH_GRACE_SECONDS: documented(integer(0, 60).default(10), {
    doc: 'grace window for a used refresh token, 0–60 (`0`: a second use is always reuse)',
  }),
  SESSION_CHECK_CACHE_MS: documented(integer(0, 600_000).default(30_000), {
    doc: "how long an instance trusts a positive session check, and the user's roles read with it (`0`: read the session on every request), while it listens for revocations (`LISTEN`, which tells every instance of a revocation at once); without the listener (the embedded database, or while it reconnects) at most 1000 ms",
  }),
  SESSION_IDLE_TTL_SECONDS: documented(integer(300, 365 * DAY).default(14 * DAY), {
    doc: 'a session ends after this long without a refresh (default 14 days)',
  }),
  SESSION_ABSOLUTE_TTL_SECONDS: documented(integer(300, 365 * DAY).default(30 * DAY), {
    doc: 'a session ends this long after login, whatever happens (default 30 days)',
  }),
  JWKS_MAX_AGE_SECONDS: documented(integer(0, 3600).default(300), { doc: '`Cache-Control: max-age` of the JWKS' }),
  JWKS_STALE_WHILE_REVALIDATE_SECONDS: documented(integer(0, 3600).default(60), {
    doc: '`Cache-Control: stale-while-revalidate` of the JWKS; a verifier may hold a key set this much longer than `max-age`, so key changes wait for both',
  }),
  SIGNING_KEY_ROTATION_DAYS: documented(integer(0, 365).default(30), {
    doc: 'the signing key is replaced this often without anyone acting: its successor is published a JWKS cache lifetime (plus a margin) before it signs (`0`: only by hand)',
  }),

  COOKIE_ACCESS_NAME: documented(cookieName.default('__Host-access'), { doc: 'access cookie name' }),
  COOKIE_REFRESH_NAME: documented(cookieName.default('__Secure-refresh'), {
    doc: 'refresh cookie name (`__Host-` is refused: it forbids `Path=/auth`)',
  }),
  COOKIE_SECURE: documented(boolean.default(true), { doc: 'the `Secure` attribute' }),
  COOKIE_DOMAIN: documented(
    z
      .string()
      .regex(/^\.?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i, {
        message: 'must be a domain name such as example.com',
      })
      .optional(),
    { doc: 'the `Domain` attribute, a domain name (not allowed with a `__Host-` name)', defaultDoc: 'unset' },
  ),

  ALLOWED_ORIGINS: documented(originList.optional(), {
    doc: 'comma-separated origins for CSRF and CORS',
    defaultDoc: '`http://localhost:<PORT>` outside production',
  }),
  CSRF_HEADER: documented(
    z
      .string()
      .regex(/^[A-Za-z0-9-]+$/, { message: 'must be an HTTP header name' })
      .default('X-Requested-With'),
    { doc: 'the custom header cookie-authenticated writes must carry' },
  ),

  ARGON2_MEMORY_KIB: documented(integer(8, 4 * 1024 * 1024).default(OWASP_ARGON2.memoryKiB), {
    doc: 'argon2id memory cost; may not go lower outside `NODE_ENV=test`',
  }),
  ARGON2_TIME_COST: documented(integer(1, 20).default(OWASP_ARGON2.timeCost), {
    doc: 'argon2id iterations; may not go lower outside `NODE_ENV=test`',
  }),
  ARGON2_PARALLELISM: documented(integer(1, 16).default(OWASP_ARGON2.parallelism), { doc: 'argon2id lanes' }),
  ARGON2_MAX_CONCURRENCY: documented(integer(1, 64).optional(), {
    doc: 'hashes running at once; the default leaves a core for token checks and refreshes, and a libuv thread for DNS and file work',
    defaultDoc: 'cores − 1 (at least 1), at most `UV_THREADPOOL_SIZE − 1` (3 by default)',
  }),
  ARGON2_MAX_QUEUE: documented(integer(0, 10000).default(64), { doc: 'hashes waiting; more get 503 `service_busy` (`0`: never wait)' }),

  RATE_LIMIT_LOGIN_PER_IP: documented(integer(1, 100000).default(20), { doc: 'login attempts per IP per window' }),
  RATE_LIMIT_LOGIN_PER_ACCOUNT_IP: documented(integer(1, 100000).default(5), {
    doc: 'login attempts per account from one IP per window: slows a guessing run without locking the owner out elsewhere',
  }),
  RATE_LIMIT_LOGIN_PER_ACCOUNT: documented(integer(1, 100000).default(50), {
    doc: 'login attempts per account from all IPs together per window: caps a distributed guessing run; to lock the owner out, one needs this ÷ `RATE_LIMIT_LOGIN_PER_ACCOUNT_IP` addresses (10 by default)',
  }),
  RATE_LIMIT_REGISTER_PER_IP: documented(integer(1, 100000).default(10), { doc: 'registrations per IP per window' }),
  RATE_LIMIT_REFRESH_PER_IP: documented(integer(1, 1000000).default(600), { doc: 'refreshes per IP per window' }),
  RATE_LIMIT_SERVICE_CLIENT: documented(integer(1, 10_000_000).default(12_000), {
    doc: 'introspection and revocation-feed requests per service client per window',
  }),
  REDIS_URL: documented(
    z
      .string()
      .regex(/^rediss?:\/\//, { message: 'must be a redis:// or rediss:// URL' })
      .optional(),
    { doc: 'keep the rate-limit counters in Redis instead of PostgreSQL (both are shared by every instance)', defaultDoc: 'unset', secret: true },
  ),
  RATE_LIMIT_WINDOW_SECONDS: documented(integer(1, 3600).default(60), {
    doc: 'window of every rate limit except `RATE_LIMIT_MAILS_PER_ACCOUNT`',
  }),

  ...accountSettingsShape,

  RETENTION_DAYS: documented(integer(0, 3650).default(30), {
    doc: 'revoked sessions, and sessions past their absolute expiry, are purged (with their tokens) after this many days',
  }),
  AUDIT_RETENTION_DAYS: documented(integer(0, 36500).default(365), {
    doc: 'audit events older than this are purged; `0` keeps them forever',
  }),
  PURGE_INTERVAL_SECONDS: documented(integer(0, 7 * DAY).default(3600), {
    doc: 'how often the service purges; `0` turns the timer off (use the CLI; the tests do this)',
  }),
  PURGE_BATCH_SIZE: documented(integer(1, 100000).default(1000), { doc: 'rows per delete statement' }),

  ...operationsSettings,

  REFRESH_TOKEN_PEPPER: documented(secret.optional(), {
    doc: '≥ 32 characters (in production no placeholder or predictable value: `openssl rand -base64 48`); key of the child-secret HMAC. Changing it makes every grace-window replay fail (sessions survive)',
    defaultDoc: 'none in production',
    secret: true,
  }),
  KEY_ENCRYPTION_SECRET: documented(secret.optional(), {
    doc: '≥ 32 characters (in production no placeholder or predictable value: `openssl rand -base64 48`); encrypts private signing keys at rest (AES-256-GCM, key from HKDF). Changing it stops startup with a message that says so',
    defaultDoc: 'none in production',
    secret: true,
  }),
  SERVICE_CREDENTIALS: documented(serviceCredentials.optional(), {
    doc: 'the backend services allowed to introspect tokens, read the revocation feed and receive Shared Signals, over HTTP Basic: `<client id>:<scope>[+<scope>]:<secret>`, comma-separated; scopes `introspect`, `revocations`, `ssf`; secrets ≥ 32 of `A–Z a–z 0–9 . _ ~ -` (`openssl rand -hex 32`; in production no placeholder or predictable value), kept only as SHA-256 once loaded',
    defaultDoc: 'none: those routes answer 401',
    secret: true,
  }),
  ...sharedSignalsSettings,
};

export type RawSettings = z.output<z.ZodObject<typeof settingsShape>>;

export const envSchema = z.object(settingsShape).superRefine((env, ctx) => {
  const fail = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  checkSettings(env, fail);
  refineAccountSettings(env, fail);
});

export type Env = z.output<typeof envSchema>;
export type SettingName = keyof typeof settingsShape;

/** Name, default and description of each setting, for the documentation and its test. */
export function describeSettings(): Array<{ name: SettingName; default: string; doc: string; secret: boolean }> {
  return (Object.keys(settingsShape) as SettingName[]).map((name) => {
    const schema = settingsShape[name] as z.ZodType;
    const meta = schema.meta() as unknown as SettingDoc;
    const def = schema.def as { type: string; defaultValue?: unknown };
    const shown = def.type === 'default' ? `\`${String(def.defaultValue)}\`` : 'unset';
    return { name, default: meta.defaultDoc ?? shown, doc: meta.doc, secret: meta.secret ?? false };
  });
}
