import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';
import { ServiceClients } from '../../src/service-clients/service-clients.js';

const STRONG = { REFRESH_TOKEN_PEPPER: randomBytes(48).toString('base64'), KEY_ENCRYPTION_SECRET: randomBytes(48).toString('base64') };
const PRODUCTION = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgresql://u:p@db:5432/auth',
  AUTH_ISSUER: 'https://auth.example.com',
  ALLOWED_ORIGINS: 'https://app.example.com',
  MAIL_ENABLED: 'false',
  ...STRONG,
};
const SECRET_A = randomBytes(32).toString('hex');
const SECRET_B = randomBytes(32).toString('base64url');

function problems(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.filter((problem) => problem.startsWith('SERVICE_CREDENTIALS')).join('\n');
  }
  throw new Error('the configuration loaded');
}

test('a list of named clients with their scopes; only a SHA-256 of each secret is kept', () => {
  const { config } = loadConfig({ ...PRODUCTION, SERVICE_CREDENTIALS: ` billing:introspect+revocations:${SECRET_A} , reports:revocations+ssf:${SECRET_B}` });
  expect(config.serviceClients).toEqual([
    { clientId: 'billing', scopes: ['introspect', 'revocations'], secretHash: expect.any(Buffer) },
    { clientId: 'reports', scopes: ['revocations', 'ssf'], secretHash: expect.any(Buffer) },
  ]);
  expect(JSON.stringify(config)).not.toContain(SECRET_A);
  const clients = new ServiceClients(config);
  expect(clients.authenticate('billing', SECRET_A)).toEqual({ clientId: 'billing', scopes: ['introspect', 'revocations'] });
  expect(clients.authenticate('reports', SECRET_A)).toBeNull();
  expect(clients.authenticate('nobody', SECRET_A)).toBeNull();
  expect(clients.authenticate('billing', `${SECRET_A}x`)).toBeNull();
});

test.each([
  ['no scope part', `billing:${SECRET_A}`, 'entry 1 is not <client id>:<scope>'],
  ['an unknown scope', `billing:admin:${SECRET_A}`, 'the scopes must be among introspect, revocations, ssf'],
  ['a short secret', 'billing:introspect:tooshort', 'at least 32 characters'],
  ['a secret with characters Basic would have to encode', `billing:introspect:${SECRET_A}+/=`, 'may hold only'],
  ['a client id with a space', `bill ing:introspect:${SECRET_A}`, 'the client id must be'],
  ['a client listed twice', `billing:introspect:${SECRET_A},billing:revocations:${SECRET_B}`, 'listed twice'],
  ['two clients sharing a secret', `billing:introspect:${SECRET_A},reports:revocations:${SECRET_A}`, 'has the secret of another client'],
])('refused in any environment: %s, never quoting the secret', (_name, value, message) => {
  for (const env of [{ NODE_ENV: 'development', ...STRONG }, PRODUCTION]) {
    const found = problems({ ...env, SERVICE_CREDENTIALS: value });
    expect(found).toContain(message);
    expect(found).not.toContain(SECRET_A);
  }
});

test('production refuses a placeholder or predictable secret, and one reused from the other secrets, as it does for REFRESH_TOKEN_PEPPER', () => {
  const placeholder = 'change-me-change-me-change-me-change-me-0001';
  expect(problems({ ...PRODUCTION, SERVICE_CREDENTIALS: `billing:introspect:${placeholder}` })).toContain('client "billing": the secret looks like a placeholder');
  expect(problems({ ...PRODUCTION, SERVICE_CREDENTIALS: `billing:introspect:${'ab'.repeat(20)}` })).toContain('openssl rand -hex 32');
  const reused = randomBytes(32).toString('hex');
  expect(problems({ ...PRODUCTION, REFRESH_TOKEN_PEPPER: reused, SERVICE_CREDENTIALS: `billing:introspect:${reused}` })).toContain('must differ from REFRESH_TOKEN_PEPPER');
  expect(loadConfig({ NODE_ENV: 'development', ...STRONG, SERVICE_CREDENTIALS: `billing:introspect:${placeholder}` }).config.serviceClients).toHaveLength(1);
});
