import type { RawSettings } from './config.schema.js';
import { serviceCredentialWeaknesses } from './service-credentials.js';
import { secretWeakness } from './setting-types.js';

export const OWASP_ARGON2 = { memoryKiB: 19456, timeCost: 2, parallelism: 1 } as const;

/** The rules that span settings, or depend on NODE_ENV; each problem names the setting to change. */
export function checkSettings(env: RawSettings, fail: (setting: string, message: string) => void): void {
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
    for (const name of ['REFRESH_TOKEN_PEPPER', 'KEY_ENCRYPTION_SECRET', 'METRICS_TOKEN'] as const) {
      const weakness = secretWeakness(env[name]);
      if (weakness) fail(name, `${weakness}; generate one with \`openssl rand -base64 48\``);
    }
    if (env.REFRESH_TOKEN_PEPPER && env.REFRESH_TOKEN_PEPPER === env.KEY_ENCRYPTION_SECRET) {
      fail('KEY_ENCRYPTION_SECRET', 'must differ from REFRESH_TOKEN_PEPPER');
    }
    const weakCredentials = serviceCredentialWeaknesses(env.SERVICE_CREDENTIALS ?? [], [env.REFRESH_TOKEN_PEPPER, env.KEY_ENCRYPTION_SECRET]);
    if (weakCredentials.length > 0) fail('SERVICE_CREDENTIALS', weakCredentials.join('; '));
  }

  // A long poll waits without a byte on the wire; the idle timeout must not cut it first.
  if (env.SSF_POLL_MAX_WAIT_SECONDS !== undefined && env.SSF_POLL_MAX_WAIT_SECONDS * 1000 + 5000 > env.HTTP_IDLE_TIMEOUT_MS) {
    fail('SSF_POLL_MAX_WAIT_SECONDS', 'must be at least 5 s shorter than HTTP_IDLE_TIMEOUT_MS, which would otherwise close a waiting poll');
  }

  if (env.DATABASE_POOLER === 'transaction' && !env.DATABASE_DIRECT_URL) {
    fail('DATABASE_DIRECT_URL', 'is required with DATABASE_POOLER=transaction: LISTEN and the migrations need a session of their own');
  }
}
