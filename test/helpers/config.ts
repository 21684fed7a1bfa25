import type { AppConfig } from '../../src/config/app-config.js';
import { loadConfig } from '../../src/config/load-config.js';

export const TEST_ORIGIN = 'https://app.example.test';

/** A service client with every scope, which every test app knows (SERVICE_CREDENTIALS). */
export const TEST_SERVICE_CLIENT = { clientId: 'test-poller', secret: 'test-poller-secret-0123456789abcdef-0123456789' };

/** The Authorization header of HTTP Basic for a service client. */
export function basicAuthorization(client: { clientId: string; secret: string }): string {
  return `Basic ${Buffer.from(`${client.clientId}:${client.secret}`).toString('base64')}`;
}

/**
 * Test settings: cheap argon2 (allowed only with NODE_ENV=test, never by
 * changing the defaults), fixed secrets, quiet logs.
 */
export function testConfig(databaseUrl: string, overrides: Record<string, string> = {}): AppConfig {
  return loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    MIGRATE_ON_START: 'false',
    DATABASE_POOL_SIZE: '8',
    REFRESH_TOKEN_PEPPER: 'test-pepper-test-pepper-test-pepper-0123',
    KEY_ENCRYPTION_SECRET: 'test-kek-test-kek-test-kek-test-kek-0123',
    ARGON2_MEMORY_KIB: '256',
    ARGON2_TIME_COST: '1',
    LOG_LEVEL: 'silent',
    ALLOWED_ORIGINS: TEST_ORIGIN,
    AUTH_ISSUER: 'https://auth.example.test',
    AUTH_AUDIENCE: 'example-api',
    RATE_LIMIT_LOGIN_PER_IP: '1000',
    RATE_LIMIT_LOGIN_PER_ACCOUNT: '1000',
    RATE_LIMIT_LOGIN_PER_ACCOUNT_IP: '1000',
    RATE_LIMIT_REGISTER_PER_IP: '1000',
    RATE_LIMIT_REFRESH_PER_IP: '100000',
    RATE_LIMIT_RECOVERY_PER_IP: '1000',
    RATE_LIMIT_MAILS_PER_ACCOUNT: '1000',
    PURGE_INTERVAL_SECONDS: '0',
    SERVICE_CREDENTIALS: `${TEST_SERVICE_CLIENT.clientId}:introspect+revocations+ssf:${TEST_SERVICE_CLIENT.secret}`,
    ...overrides,
  }).config;
}
