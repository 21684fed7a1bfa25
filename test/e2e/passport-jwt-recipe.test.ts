import { SignJWT } from 'jose';
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { SigningKeysService } from '../../src/tokens/signing-keys.service.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { HttpClient } from '../helpers/http-client.js';
import { registerAndLogin, uniqueEmail } from '../helpers/users.js';

/**
 * The README's recipe for a service that is not ours: passport-jwt with
 * jwks-rsa (examples/passport-jwt), a plain Node server in a process of its
 * own, against a running auth service. jsonwebtoken reads the system clock,
 * so tokens here are fresh, or signed with the service's key and times of
 * the test's choosing.
 */
const SERVER = join(import.meta.dirname, '../../examples/passport-jwt/server.js');

let auth: TestApp;
let resource: ChildProcess;
let resourceUrl: string;

beforeAll(async () => {
  auth = await startTestApp({ realClock: true });
  resource = spawn(process.execPath, [SERVER], {
    env: {
      PATH: process.env.PATH,
      PORT: '0',
      AUTH_ISSUER: auth.config.tokens.issuer,
      AUTH_AUDIENCE: auth.config.tokens.audience,
      AUTH_JWKS_URI: `${auth.baseUrl}/.well-known/jwks.json`,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  resourceUrl = await new Promise<string>((resolve, reject) => {
    resource.stdout!.once('data', (chunk: Buffer) => resolve((JSON.parse(chunk.toString()) as { url: string }).url));
    resource.once('exit', (code) => reject(new Error(`the passport-jwt server exited (${code})`)));
  });
});

afterAll(async () => {
  if (resource && resource.exitCode === null) {
    const exited = new Promise((resolve) => resource.once('exit', resolve));
    resource.kill('SIGTERM');
    await exited;
  }
  await auth?.close();
});

async function call(token: string) {
  const response = await fetch(`${resourceUrl}/`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** A token signed with the auth service's own current key, with the header and claims the test says. */
async function ownKeyToken(header: Record<string, unknown>, claims: Record<string, unknown>): Promise<string> {
  const { kid, privateKey } = auth.module.get(SigningKeysService).signingKey();
  const now = Math.floor(Date.now() / 1000);
  const base = { iss: auth.config.tokens.issuer, aud: auth.config.tokens.audience, sub: crypto.randomUUID(), sid: crypto.randomUUID(), roles: [], iat: now, exp: now + 600 };
  const crit = Array.isArray(header.crit) ? Object.fromEntries(header.crit.map((name: string) => [name, true])) : undefined;
  return new SignJWT({ ...base, ...claims }).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid, ...header }).sign(privateKey, { crit });
}

test('a token of a signed-in user passes, and the strategy hands over its subject, session and roles', async () => {
  const client = new HttpClient(auth.baseUrl);
  const { userId, login } = await registerAndLogin(client, uniqueEmail('passport'));
  const reply = await call(client.cookieValue('__Host-access')!);
  expect(reply).toEqual({ status: 200, body: { userId, sessionId: login.body.session.id, roles: [] } });
});

test.each([
  ['the wrong typ (an ID token signed by the same key)', { typ: 'JWT' }, {}],
  ['no typ', { typ: undefined }, {}],
  ['a crit header', { crit: ['x-ext'], 'x-ext': 1 }, {}],
  ['another issuer', {}, { iss: 'https://evil.example' }],
  ['another audience', {}, { aud: 'another-api' }],
  ['an expired token', {}, { iat: Math.floor(Date.now() / 1000) - 700, exp: Math.floor(Date.now() / 1000) - 60 }],
  ['a token older than any the service issues', {}, { iat: Math.floor(Date.now() / 1000) - 3600, exp: Math.floor(Date.now() / 1000) + 600 }],
  ['an unknown kid', { kid: 'unknown-kid' }, {}],
])('refused: %s', async (_name, header, claims) => {
  expect((await call(await ownKeyToken(header, claims))).status).toBe(401);
});

test('refused: HS256 with the public key as the secret (algorithm confusion)', async () => {
  const jwks = (await (await fetch(`${auth.baseUrl}/.well-known/jwks.json`)).json()) as { keys: Array<{ kid: string }> };
  const token = await new SignJWT({ sub: 'x', iss: auth.config.tokens.issuer, aud: auth.config.tokens.audience })
    .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: jwks.keys[0]!.kid })
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(JSON.stringify(jwks.keys[0])));
  expect((await call(token)).status).toBe(401);
});
