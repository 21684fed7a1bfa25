import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, defaultHashConcurrency, loadConfig } from '../../src/config/load-config.js';
import { createHttpAdapter } from '../../src/http-app.js';

const PEPPER = 'pepper-0123456789-0123456789-0123456789';
const KEK = 'kek-0123456789-0123456789-0123456789-abcd';
const DAY = 24 * 60 * 60;
/** Production refuses predictable secrets such as PEPPER and KEK above. */
const STRONG_SECRETS = { REFRESH_TOKEN_PEPPER: randomBytes(48).toString('base64'), KEY_ENCRYPTION_SECRET: randomBytes(48).toString('base64') };
const PRODUCTION_MAIL = { SMTP_URL: 'smtp://mailer:secret@smtp.example.com:587', MAIL_FROM: 'Example <no-reply@example.com>', ACCOUNT_LINK_BASE_URL: 'https://app.example.com/account' };
const PRODUCTION = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgresql://u:p@db:5432/auth',
  AUTH_ISSUER: 'https://auth.example.com',
  ALLOWED_ORIGINS: 'https://app.example.com',
  ...PRODUCTION_MAIL,
};

const tempDirs: string[] = [];
function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'auth-config-test-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function env(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    NODE_ENV: 'development',
    DATA_DIR: freshDir(),
    REFRESH_TOKEN_PEPPER: PEPPER,
    KEY_ENCRYPTION_SECRET: KEK,
    ...overrides,
  };
}

/** The ConfigError thrown by loadConfig; fails the test if it loads or throws anything else. */
function configError(source: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(source);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(source)}`);
}

function problemFor(error: ConfigError, variable: string): string | undefined {
  return error.problems.find((problem) => problem.startsWith(`${variable}:`));
}

describe('loadConfig defaults', () => {
  test('outside production the default origin and issuer follow PORT', () => {
    const { config } = loadConfig(env({ PORT: '4000' }));
    expect(config.http.allowedOrigins).toEqual(['http://localhost:4000']);
    expect(config.tokens.issuer).toBe('http://localhost:4000');
  });

  test('loads with only the secrets and DATA_DIR set', () => {
    const { config } = loadConfig(env());
    expect(config.env).toBe('development');
    expect(config.tokens.accessTtlSeconds).toBe(600);
    expect(config.sessions.graceSeconds).toBe(10);
    expect(config.sessions.idleTtlSeconds).toBe(14 * DAY);
    expect(config.sessions.absoluteTtlSeconds).toBe(30 * DAY);
    expect(config.cookies).toEqual({ accessName: '__Host-access', refreshName: '__Secure-refresh', secure: true, domain: undefined });
    expect(config.argon2).toMatchObject({ memoryKiB: 19456, timeCost: 2, parallelism: 1 });
  });

  test('uses the given secrets as they are', () => {
    const { config } = loadConfig(env());
    expect(config.sessions.refreshPepper).toBe(PEPPER);
    expect(config.tokens.keyEncryptionSecret).toBe(KEK);
  });

  test('with both secrets and SMTP_URL given, warns about nothing and writes no secrets file (the database module announces the embedded database)', () => {
    const dataDir = freshDir();
    const { warnings } = loadConfig(env({ DATA_DIR: dataDir, SMTP_URL: PRODUCTION_MAIL.SMTP_URL }));
    expect(warnings).toEqual([]);
    expect(() => statSync(join(dataDir, 'development-secrets.json'))).toThrow();
  });

  test('accepts values inside the bounds', () => {
    const { config } = loadConfig(
      env({ ACCESS_TOKEN_TTL_SECONDS: '300', REFRESH_GRACE_SECONDS: '0', PORT: '65535', ALLOWED_ORIGINS: 'https://a.example, http://localhost:5173' }),
    );
    expect(config.tokens.accessTtlSeconds).toBe(300);
    expect(config.sessions.graceSeconds).toBe(0);
    expect(config.http.port).toBe(65535);
    expect(config.http.allowedOrigins).toEqual(['https://a.example', 'http://localhost:5173']);
  });

  test('accepts the upper bounds 900 and 60', () => {
    const { config } = loadConfig(env({ ACCESS_TOKEN_TTL_SECONDS: '900', REFRESH_GRACE_SECONDS: '60' }));
    expect(config.tokens.accessTtlSeconds).toBe(900);
    expect(config.sessions.graceSeconds).toBe(60);
  });
});

describe('loadConfig refuses bad values, naming the variable', () => {
  test('ConfigError carries problems as strings and a message listing them', () => {
    const error = configError(env({ ACCESS_TOKEN_TTL_SECONDS: '299' }));
    expect(error.name).toBe('ConfigError');
    expect(Array.isArray(error.problems)).toBe(true);
    expect(error.problems.every((problem) => typeof problem === 'string')).toBe(true);
    for (const problem of error.problems) expect(error.message).toContain(problem);
  });

  test.each([
    ['ACCESS_TOKEN_TTL_SECONDS', '299'],
    ['ACCESS_TOKEN_TTL_SECONDS', '901'],
    ['ACCESS_TOKEN_TTL_SECONDS', 'abc'],
    ['ACCESS_TOKEN_TTL_SECONDS', '600.5'],
    ['REFRESH_GRACE_SECONDS', '61'],
    ['REFRESH_GRACE_SECONDS', '-1'],
    ['PORT', '70000'],
  ])('%s=%s is refused', (variable, value) => {
    const error = configError(env({ [variable]: value }));
    expect(problemFor(error, variable)).toBeDefined();
  });

  test('SESSION_IDLE_TTL_SECONDS greater than SESSION_ABSOLUTE_TTL_SECONDS is refused', () => {
    const error = configError(env({ SESSION_IDLE_TTL_SECONDS: String(31 * DAY), SESSION_ABSOLUTE_TTL_SECONDS: String(30 * DAY) }));
    expect(problemFor(error, 'SESSION_IDLE_TTL_SECONDS')).toContain('SESSION_ABSOLUTE_TTL_SECONDS');
  });

  test('SESSION_IDLE_TTL_SECONDS equal to SESSION_ABSOLUTE_TTL_SECONDS is accepted', () => {
    const { config } = loadConfig(env({ SESSION_IDLE_TTL_SECONDS: '3600', SESSION_ABSOLUTE_TTL_SECONDS: '3600' }));
    expect(config.sessions.idleTtlSeconds).toBe(3600);
  });

  test('an idle lifetime above the default absolute lifetime is refused', () => {
    const error = configError(env({ SESSION_IDLE_TTL_SECONDS: String(31 * DAY) }));
    expect(problemFor(error, 'SESSION_IDLE_TTL_SECONDS')).toBeDefined();
  });

  test('COOKIE_SECURE=false with the default __Host-/__Secure- names is refused for both cookies', () => {
    const error = configError(env({ COOKIE_SECURE: 'false' }));
    expect(problemFor(error, 'COOKIE_ACCESS_NAME')).toContain('COOKIE_SECURE');
    expect(problemFor(error, 'COOKIE_REFRESH_NAME')).toContain('COOKIE_SECURE');
  });

  test('COOKIE_SECURE=false with unprefixed names is accepted', () => {
    const { config } = loadConfig(env({ COOKIE_SECURE: 'false', COOKIE_ACCESS_NAME: 'access', COOKIE_REFRESH_NAME: 'refresh' }));
    expect(config.cookies).toMatchObject({ accessName: 'access', refreshName: 'refresh', secure: false });
  });

  test('COOKIE_DOMAIN with a __Host- access cookie is refused', () => {
    const error = configError(env({ COOKIE_DOMAIN: 'example.com' }));
    expect(problemFor(error, 'COOKIE_ACCESS_NAME')).toContain('COOKIE_DOMAIN');
  });

  test('COOKIE_DOMAIN with a non-__Host- access cookie is accepted', () => {
    const { config } = loadConfig(env({ COOKIE_DOMAIN: 'example.com', COOKIE_ACCESS_NAME: '__Secure-access' }));
    expect(config.cookies.domain).toBe('example.com');
  });

  test.each(['not a url', 'https://a.example/path', 'https://ok.example,https://a.example/path', 'ftp//x'])(
    'ALLOWED_ORIGINS=%p is refused',
    (value) => {
      const error = configError(env({ ALLOWED_ORIGINS: value }));
      expect(problemFor(error, 'ALLOWED_ORIGINS')).toBeDefined();
    },
  );

  test('ARGON2_MEMORY_KIB below 19456 is refused outside test mode', () => {
    for (const nodeEnv of ['development', 'production']) {
      const error = configError(env({ NODE_ENV: nodeEnv, DATABASE_URL: 'postgresql://db/x', ARGON2_MEMORY_KIB: '19455' }));
      expect(problemFor(error, 'ARGON2_MEMORY_KIB')).toBeDefined();
    }
  });

  test('ARGON2_MEMORY_KIB below 19456 is accepted with NODE_ENV=test', () => {
    const { config } = loadConfig(env({ NODE_ENV: 'test', ARGON2_MEMORY_KIB: '256' }));
    expect(config.argon2.memoryKiB).toBe(256);
  });

  test('production without REFRESH_TOKEN_PEPPER, KEY_ENCRYPTION_SECRET and DATABASE_URL names all three', () => {
    const dataDir = freshDir();
    const error = configError({ NODE_ENV: 'production', DATA_DIR: dataDir });
    expect(problemFor(error, 'REFRESH_TOKEN_PEPPER')).toBeDefined();
    expect(problemFor(error, 'KEY_ENCRYPTION_SECRET')).toBeDefined();
    expect(problemFor(error, 'DATABASE_URL')).toBeDefined();
    expect(() => statSync(join(dataDir, 'development-secrets.json'))).toThrow();
  });

  test('production also requires AUTH_ISSUER and ALLOWED_ORIGINS, whose defaults only suit a laptop', () => {
    const error = configError(env({ NODE_ENV: 'production', DATABASE_URL: 'postgresql://u:p@db:5432/auth' }));
    expect(problemFor(error, 'AUTH_ISSUER')).toContain('required');
    expect(problemFor(error, 'ALLOWED_ORIGINS')).toContain('required');
  });

  test('production with every required setting loads', () => {
    const { config, warnings } = loadConfig(
      env({
        ...STRONG_SECRETS,
        NODE_ENV: 'production',
        DATABASE_URL: 'postgresql://u:p@db:5432/auth',
        AUTH_ISSUER: 'https://auth.example.com',
        ALLOWED_ORIGINS: 'https://app.example.com',
        ...PRODUCTION_MAIL,
      }),
    );
    expect(config.env).toBe('production');
    expect(config.database.url).toBe('postgresql://u:p@db:5432/auth');
    expect(warnings).toEqual([]);
  });

  test.each(['REFRESH_TOKEN_PEPPER', 'KEY_ENCRYPTION_SECRET'])(
    'a %s shorter than 32 characters is refused and its value never shown',
    (variable) => {
      const shortSecret = 'Sup3r-s3cret-value-31-characters'.slice(0, 31);
      expect(shortSecret).toHaveLength(31);
      const error = configError(env({ [variable]: shortSecret }));
      expect(problemFor(error, variable)).toBeDefined();
      expect(error.message).not.toContain(shortSecret);
      expect(error.problems.join('\n')).not.toContain(shortSecret);
      expect(String(error.stack)).not.toContain(shortSecret);
    },
  );

  test('a secret of exactly 32 characters is accepted', () => {
    const secret32 = 'x'.repeat(32);
    expect(loadConfig(env({ REFRESH_TOKEN_PEPPER: secret32 })).config.sessions.refreshPepper).toBe(secret32);
  });

  test('a malformed DATABASE_URL is refused without echoing it (it may hold a password)', () => {
    const url = 'mysql://admin:hunter2-password@db/auth';
    const error = configError(env({ DATABASE_URL: url }));
    expect(problemFor(error, 'DATABASE_URL')).toBeDefined();
    expect(error.message).not.toContain('hunter2-password');
  });

  test('reports several problems at once', () => {
    const error = configError(env({ PORT: '70000', REFRESH_GRACE_SECONDS: '61' }));
    expect(problemFor(error, 'PORT')).toBeDefined();
    expect(problemFor(error, 'REFRESH_GRACE_SECONDS')).toBeDefined();
  });
});

describe('development secrets', () => {
  test('without secrets, development generates them once into DATA_DIR and warns', () => {
    const dataDir = freshDir();
    const source = { NODE_ENV: 'development', DATA_DIR: dataDir };
    const first = loadConfig(source);
    const second = loadConfig(source);

    expect(first.config.sessions.refreshPepper.length).toBeGreaterThanOrEqual(32);
    expect(first.config.tokens.keyEncryptionSecret.length).toBeGreaterThanOrEqual(32);
    expect(first.config.sessions.refreshPepper).not.toBe(first.config.tokens.keyEncryptionSecret);
    expect(second.config.sessions.refreshPepper).toBe(first.config.sessions.refreshPepper);
    expect(second.config.tokens.keyEncryptionSecret).toBe(first.config.tokens.keyEncryptionSecret);

    const file = join(dataDir, 'development-secrets.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect(Object.values(stored)).toEqual(
      expect.arrayContaining([first.config.sessions.refreshPepper, first.config.tokens.keyEncryptionSecret]),
    );

    const warning = first.warnings.find((text) => text.includes('REFRESH_TOKEN_PEPPER'));
    expect(warning).toBeDefined();
    expect(warning).toContain(file);
    expect(warning).not.toContain(first.config.sessions.refreshPepper);
  });

  test('a given secret is kept while only the missing one comes from DATA_DIR', () => {
    const dataDir = freshDir();
    const { config, warnings } = loadConfig({ NODE_ENV: 'development', DATA_DIR: dataDir, REFRESH_TOKEN_PEPPER: PEPPER });
    expect(config.sessions.refreshPepper).toBe(PEPPER);
    expect(config.tokens.keyEncryptionSecret).not.toBe(PEPPER);
    expect(config.tokens.keyEncryptionSecret.length).toBeGreaterThanOrEqual(32);
    expect(warnings.some((text) => text.includes('KEY_ENCRYPTION_SECRET'))).toBe(true);
  });

  test('different DATA_DIRs get different generated secrets', () => {
    const a = loadConfig({ NODE_ENV: 'development', DATA_DIR: freshDir() }).config;
    const b = loadConfig({ NODE_ENV: 'development', DATA_DIR: freshDir() }).config;
    expect(a.sessions.refreshPepper).not.toBe(b.sessions.refreshPepper);
  });
});

describe('empty strings count as unset', () => {
  test('empty numeric, name and domain values fall back to the defaults', () => {
    const { config } = loadConfig(
      env({
        ACCESS_TOKEN_TTL_SECONDS: '',
        REFRESH_GRACE_SECONDS: '',
        PORT: '',
        COOKIE_ACCESS_NAME: '',
        COOKIE_SECURE: '',
        COOKIE_DOMAIN: '',
        ALLOWED_ORIGINS: '',
        DATABASE_URL: '',
      }),
    );
    expect(config.tokens.accessTtlSeconds).toBe(600);
    expect(config.sessions.graceSeconds).toBe(10);
    expect(config.http.port).toBe(3000);
    expect(config.cookies.accessName).toBe('__Host-access');
    expect(config.cookies.secure).toBe(true);
    expect(config.cookies.domain).toBeUndefined();
    expect(config.http.allowedOrigins).toEqual(['http://localhost:3000']);
    expect(config.database.url).toBeUndefined();
  });

  test('empty secrets in development are generated like missing ones', () => {
    const dataDir = freshDir();
    const { config, warnings } = loadConfig({ NODE_ENV: 'development', DATA_DIR: dataDir, REFRESH_TOKEN_PEPPER: '', KEY_ENCRYPTION_SECRET: '' });
    expect(config.sessions.refreshPepper.length).toBeGreaterThanOrEqual(32);
    expect(warnings.some((text) => text.includes('REFRESH_TOKEN_PEPPER'))).toBe(true);
    expect(statSync(join(dataDir, 'development-secrets.json')).isFile()).toBe(true);
  });

  test('empty secrets and DATABASE_URL in production are reported as missing', () => {
    const error = configError({ NODE_ENV: 'production', DATA_DIR: freshDir(), REFRESH_TOKEN_PEPPER: '', KEY_ENCRYPTION_SECRET: '', DATABASE_URL: '' });
    expect(problemFor(error, 'REFRESH_TOKEN_PEPPER')).toContain('required');
    expect(problemFor(error, 'KEY_ENCRYPTION_SECRET')).toContain('required');
    expect(problemFor(error, 'DATABASE_URL')).toContain('required');
  });
});

describe('proxy trust and cookie domain', () => {
  test.each([
    ['false', false],
    ['1', 1],
    ['2', 2],
    ['10.0.0.0/8', '10.0.0.0/8'],
    ['10.0.0.1, 192.168.0.0/16', '10.0.0.1,192.168.0.0/16'],
    ['::1', '::1'],
  ])('TRUST_PROXY=%s is read as %p', (value, expected) => {
    expect(loadConfig(env({ TRUST_PROXY: value })).config.http.trustProxy).toEqual(expected);
  });

  test.each(['true', 'everyone', '10.0.0.0/8; rm -rf'])('TRUST_PROXY=%s is refused: it would trust client-chosen addresses', (value) => {
    expect(problemFor(configError(env({ TRUST_PROXY: value })), 'TRUST_PROXY')).toBeDefined();
  });

  test.each([
    ['99', 'at most 3 proxy hops'],
    ['4', 'at most 3 proxy hops'],
    ['0.0.0.0/0', 'too wide'],
    ['::/0', 'too wide'],
    ['10.0.0.0/8,0.0.0.0/1', 'too wide'],
    ['10.0.0.1/8', 'host bits'],
    ['1.2.3', 'not an IP address'],
    ['1.2.3.4/33', 'prefix longer'],
  ])('TRUST_PROXY=%s is refused at load, naming the variable and the reason (%s), not with a stack trace', (value, reason) => {
    const error = configError(env({ TRUST_PROXY: value }));
    expect(problemFor(error, 'TRUST_PROXY')).toContain(reason);
    expect(error.message).not.toMatch(/\n\s+at /);
  });

  test.each(['1', '3', '10.0.0.0/8', '10.0.0.1, 192.168.0.0/16', '::1', '2001:db8::/32', '::ffff:10.0.0.0/104', 'fd00::/48'])(
    'TRUST_PROXY=%s, once accepted, is one Fastify accepts too (no crash after validation)',
    (value) => {
      expect(() => createHttpAdapter(loadConfig(env({ TRUST_PROXY: value })).config)).not.toThrow();
    },
  );

  test.each(['not a domain', 'exa mple.com', 'https://example.com', 'example.com/path'])('COOKIE_DOMAIN=%s is refused at startup', (value) => {
    const error = configError(env({ COOKIE_DOMAIN: value, COOKIE_ACCESS_NAME: 'access' }));
    expect(problemFor(error, 'COOKIE_DOMAIN')).toBeDefined();
  });

  test.each(['example.com', '.example.com', 'auth.example.co.uk'])('COOKIE_DOMAIN=%s is accepted', (value) => {
    expect(loadConfig(env({ COOKIE_DOMAIN: value, COOKIE_ACCESS_NAME: 'access' })).config.cookies.domain).toBe(value);
  });
});

describe('short access tokens are for tests only', () => {
  test('NODE_ENV=test accepts a 3-second access token (browser tests watch it expire)', () => {
    expect(loadConfig(env({ NODE_ENV: 'test', ACCESS_TOKEN_TTL_SECONDS: '3' })).config.tokens.accessTtlSeconds).toBe(3);
  });

  test.each(['development', 'production'])('NODE_ENV=%s refuses it', (nodeEnv) => {
    const error = configError(env({ NODE_ENV: nodeEnv, ACCESS_TOKEN_TTL_SECONDS: '3', DATABASE_URL: 'postgresql://db/x', AUTH_ISSUER: 'https://a.example', ALLOWED_ORIGINS: 'https://a.example' }));
    expect(problemFor(error, 'ACCESS_TOKEN_TTL_SECONDS')).toContain('at least 300');
  });
});

describe('secrets in production', () => {
  test.each([
    ['the docker-compose.yml placeholders', 'change-me-change-me-change-me-change-me-0001', 'change-me-change-me-change-me-change-me-0002'],
    ['32 × a', 'a'.repeat(32), 'b'.repeat(32)],
    ['a repeated phrase', PEPPER, KEK],
  ])('%s are refused for both secrets, saying how to generate one and never showing the value', (_name, pepper, kek) => {
    const error = configError(env({ ...PRODUCTION, REFRESH_TOKEN_PEPPER: pepper, KEY_ENCRYPTION_SECRET: kek }));
    for (const variable of ['REFRESH_TOKEN_PEPPER', 'KEY_ENCRYPTION_SECRET']) {
      expect(problemFor(error, variable)).toContain('openssl rand -base64 48');
    }
    for (const text of [error.message, String(error.stack)]) {
      expect(text).not.toContain(pepper);
      expect(text).not.toContain(kek);
    }
  });

  test('outside production the same values are still accepted (development and tests use fixed ones)', () => {
    const { config } = loadConfig(env({ REFRESH_TOKEN_PEPPER: 'a'.repeat(32) }));
    expect(config.sessions.refreshPepper).toBe('a'.repeat(32));
  });

  test('secrets from openssl rand -base64 48 load', () => {
    expect(loadConfig(env({ ...PRODUCTION, ...STRONG_SECRETS })).config.sessions.refreshPepper).toBe(STRONG_SECRETS.REFRESH_TOKEN_PEPPER);
  });
});

describe('hashing concurrency', () => {
  test.each([
    [1, 4, 1],
    [2, 4, 1],
    [4, 4, 3],
    [16, 4, 3],
    [8, 16, 7],
    [16, 8, 7],
    [4, 1, 1],
  ])('with %i cores and a libuv pool of %i threads, the default is %i: a core and a thread stay free when there are any', (cores, threads, expected) => {
    expect(defaultHashConcurrency(cores, threads)).toBe(expected);
  });

  test('the loaded default leaves a core free on this machine (unless it has one)', () => {
    const { config } = loadConfig(env());
    expect(config.argon2.maxConcurrency).toBe(Math.max(1, Math.min(availableParallelism() - 1, (Number(process.env.UV_THREADPOOL_SIZE) || 4) - 1)));
    expect(config.argon2.maxConcurrency).toBeLessThanOrEqual(Math.max(1, availableParallelism() - 1));
  });

  test('ARGON2_MAX_CONCURRENCY overrides it', () => {
    expect(loadConfig(env({ ARGON2_MAX_CONCURRENCY: '2' })).config.argon2.maxConcurrency).toBe(2);
  });
});

describe('mail settings', () => {
  test('production with mail on refuses to start without SMTP_URL, MAIL_FROM and ACCOUNT_LINK_BASE_URL, and never shows the SMTP URL', () => {
    const error = configError(env({ ...PRODUCTION, ...STRONG_SECRETS, SMTP_URL: undefined, MAIL_FROM: undefined, ACCOUNT_LINK_BASE_URL: undefined }));
    for (const variable of ['SMTP_URL', 'MAIL_FROM', 'ACCOUNT_LINK_BASE_URL']) expect(problemFor(error, variable)).toContain('required');

    const badUrl = configError(env({ ...PRODUCTION, ...STRONG_SECRETS, SMTP_URL: 'http://mailer:hunter2@smtp.example.com' }));
    expect(problemFor(badUrl, 'SMTP_URL')).toContain('smtp://');
    expect(badUrl.message).not.toContain('hunter2');
  });

  test('production with MAIL_ENABLED=false needs no mail settings', () => {
    const { config } = loadConfig(env({ ...PRODUCTION, ...STRONG_SECRETS, SMTP_URL: undefined, MAIL_FROM: undefined, ACCOUNT_LINK_BASE_URL: undefined, MAIL_ENABLED: 'false' }));
    expect(config.mail.enabled).toBe(false);
  });

  test('production refuses an http:// link base: the link carries a credential', () => {
    const error = configError(env({ ...PRODUCTION, ...STRONG_SECRETS, ACCOUNT_LINK_BASE_URL: 'http://app.example.com/' }));
    expect(problemFor(error, 'ACCOUNT_LINK_BASE_URL')).toContain('https://');
  });

  test.each([
    ['a fragment, where the token goes', 'https://app.example.com/#/account'],
    ['another scheme', 'javascript:alert(1)'],
    ['no URL at all', 'app.example.com'],
  ])('ACCOUNT_LINK_BASE_URL with %s is refused', (_what, value) => {
    expect(problemFor(configError(env({ ACCOUNT_LINK_BASE_URL: value })), 'ACCOUNT_LINK_BASE_URL')).toBeDefined();
  });

  test('a MAIL_FROM with a line break (header injection) is refused', () => {
    expect(problemFor(configError(env({ MAIL_FROM: 'a@example.com\r\nBcc: victim@example.com' })), 'MAIL_FROM')).toContain('one line');
  });

  test('LOGIN_REQUIRES_VERIFIED_EMAIL without mail is refused: nobody could verify', () => {
    expect(problemFor(configError(env({ LOGIN_REQUIRES_VERIFIED_EMAIL: 'true', MAIL_ENABLED: 'false' })), 'LOGIN_REQUIRES_VERIFIED_EMAIL')).toContain('MAIL_ENABLED');
  });

  test('outside production without SMTP_URL: the development defaults, and a warning that links go to the log', () => {
    const { config, warnings } = loadConfig(env());
    expect(config.mail).toEqual({ enabled: true, smtpUrl: undefined, from: 'auth-service <no-reply@localhost>', linkBaseUrl: 'http://localhost:5173/' });
    expect(config.account).toEqual({ resetTtlSeconds: 1800, verificationTtlSeconds: 172800, loginRequiresVerifiedEmail: false });
    expect(warnings.some((text) => text.includes('SMTP_URL') && text.includes('Development only'))).toBe(true);
  });
});

describe('the ops surface', () => {
  test('the docs UI and the admin console are on outside production and off in production unless enabled; metrics are off without a token', () => {
    const development = loadConfig(env()).config;
    expect({ docs: development.docs.enabled, console: development.adminConsole, metrics: development.metrics.token }).toEqual({
      docs: true,
      console: { enabled: true, path: '/console' },
      metrics: undefined,
    });
    const production = loadConfig({ ...PRODUCTION, ...STRONG_SECRETS }).config;
    expect({ docs: production.docs.enabled, console: production.adminConsole.enabled }).toEqual({ docs: false, console: false });
    const enabled = loadConfig({ ...PRODUCTION, ...STRONG_SECRETS, DOCS_ENABLED: 'true', ADMIN_CONSOLE_ENABLED: 'true' }).config;
    expect({ docs: enabled.docs.enabled, console: enabled.adminConsole.enabled }).toEqual({ docs: true, console: true });
  });

  test('METRICS_TOKEN: at least 32 characters, and no placeholder in production; ADMIN_CONSOLE_PATH: one segment the API does not use', () => {
    expect(configError(env({ METRICS_TOKEN: 'short' })).message).toContain('METRICS_TOKEN: must be at least 32 characters');
    expect(configError({ ...PRODUCTION, ...STRONG_SECRETS, METRICS_TOKEN: 'change-me-change-me-change-me-change-me' }).message).toContain('METRICS_TOKEN: looks like a placeholder');
    expect(configError(env({ ADMIN_CONSOLE_PATH: '/admin' })).message).toContain('ADMIN_CONSOLE_PATH: must not be a path the API uses');
    expect(configError(env({ ADMIN_CONSOLE_PATH: '/ops/console' })).message).toContain('ADMIN_CONSOLE_PATH: must be one path segment');
  });
});

describe('Shared Signals settings', () => {
  test('defaults: public push addresses only (loopback too under NODE_ENV=test), twelve attempts, a 20 s long poll', () => {
    const { config } = loadConfig(env());
    expect(config.sharedSignals).toMatchObject({ pushAllowedNetworks: [], pushAllowsLoopback: false, pushRequiresHttps: false, pushMaxAttempts: 12, pollMaxWaitSeconds: 20 });
    expect(loadConfig(env({ NODE_ENV: 'test' })).config.sharedSignals.pushAllowsLoopback).toBe(true);
    expect(loadConfig({ ...PRODUCTION, ...STRONG_SECRETS }).config.sharedSignals).toMatchObject({ pushAllowsLoopback: false, pushRequiresHttps: true });
  });

  test('SSF_PUSH_ALLOWED_NETWORKS takes addresses and CIDR ranges, and refuses anything else naming it', () => {
    const { config } = loadConfig(env({ SSF_PUSH_ALLOWED_NETWORKS: '10.20.0.0/16, fd12::/16,192.168.1.10' }));
    expect(config.sharedSignals.pushAllowedNetworks.map(([address, bits]) => `${address.toString()}/${bits}`)).toEqual(['10.20.0.0/16', 'fd12::/16', '192.168.1.10/32']);
    expect(problemFor(configError(env({ SSF_PUSH_ALLOWED_NETWORKS: '10.20.0.0/16,intranet' })), 'SSF_PUSH_ALLOWED_NETWORKS')).toContain('"intranet"');
  });

  test('a long poll must end 5 s before the idle timeout would cut it', () => {
    expect(problemFor(configError(env({ SSF_POLL_MAX_WAIT_SECONDS: '26' })), 'SSF_POLL_MAX_WAIT_SECONDS')).toContain('HTTP_IDLE_TIMEOUT_MS');
    expect(loadConfig(env({ SSF_POLL_MAX_WAIT_SECONDS: '55', HTTP_IDLE_TIMEOUT_MS: '60000' })).config.sharedSignals.pollMaxWaitSeconds).toBe(55);
    // Unset, it follows a short idle timeout down rather than refuse to start.
    expect(loadConfig(env({ HTTP_IDLE_TIMEOUT_MS: '12000' })).config.sharedSignals.pollMaxWaitSeconds).toBe(7);
  });
});
