import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { SigningKeysService } from '../../src/tokens/signing-keys.service.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { HttpClient } from '../helpers/http-client.js';
import { registerAndLogin } from '../helpers/users.js';

let t: TestApp;
let realKey: { kid: string; privateKey: KeyObject };
let claims: Record<string, unknown>;
let validToken: string;

beforeAll(async () => {
  t = await startTestApp();
  const client = new HttpClient(t.baseUrl);
  await registerAndLogin(client);
  validToken = client.cookieValue('__Host-access')!;
  claims = JSON.parse(Buffer.from(validToken.split('.')[1]!, 'base64url').toString());
  realKey = t.module.get(SigningKeysService).signingKey();
});
afterAll(() => t?.close());

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

async function sign(payload: Record<string, unknown>, header: Record<string, unknown> = {}, key: KeyObject = realKey.privateKey) {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: realKey.kid, ...header } as never)
    .sign(key);
}

async function callMe(token: string, via: 'bearer' | 'cookie' = 'bearer') {
  const client = new HttpClient(t.baseUrl);
  if (via === 'cookie') {
    client.setCookie('__Host-access', token);
    return client.get('/auth/me');
  }
  return client.get('/auth/me', { headers: { authorization: `Bearer ${token}` } });
}

function nowSeconds() {
  return Math.floor(Date.now() / 1000);
}

test('the untouched token is accepted (control)', async () => {
  expect((await callMe(validToken)).status).toBe(200);
  expect((await callMe(validToken, 'cookie')).status).toBe(200);
});

test('a token re-signed by our own key passes, so the rejections below are about the one thing changed', async () => {
  expect((await callMe(await sign(claims))).status).toBe(200);
});

const cases: Array<[string, () => Promise<string> | string, string]> = [
  ['a changed payload with the old signature', () => {
    const [header, , signature] = validToken.split('.');
    return `${header}.${b64({ ...claims, roles: ['admin'] })}.${signature}`;
  }, 'invalid_token'],
  ['a flipped signature byte', () => {
    const [header, payload, signature] = validToken.split('.') as [string, string, string];
    const bytes = Buffer.from(signature, 'base64url');
    bytes[10] = bytes[10]! ^ 0xff;
    return `${header}.${payload}.${bytes.toString('base64url')}`;
  }, 'invalid_token'],
  ['an expired token', () => sign({ ...claims, iat: nowSeconds() - 1200, exp: nowSeconds() - 600 }), 'token_expired'],
  ['a token for another audience', () => sign({ ...claims, aud: 'some-other-api' }), 'invalid_token'],
  ['a token from another issuer', () => sign({ ...claims, iss: 'https://evil.example' }), 'invalid_token'],
  ['alg: none', () => `${b64({ alg: 'none', typ: 'at+jwt', kid: realKey.kid })}.${b64(claims)}.`, 'invalid_token'],
  ['HS256 signed with the public key (PEM) as the HMAC secret', () => {
    const publicPem = createPublicKey(realKey.privateKey).export({ format: 'pem', type: 'spki' }) as string;
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: realKey.kid })
      .sign(new TextEncoder().encode(publicPem));
  }, 'invalid_token'],
  ['an unknown kid, signed by a key we never published', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    return sign(claims, { kid: 'unknown-kid' }, privateKey);
  }, 'invalid_token'],
  ['our kid, signed by another key', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    return sign(claims, {}, privateKey);
  }, 'invalid_token'],
  ['typ JWT instead of at+jwt (an ID token is not an access token)', () => sign(claims, { typ: 'JWT' }), 'invalid_token'],
  ['a sid that is not a session id', () => sign({ ...claims, sid: "x' OR 1=1 --" }), 'invalid_token'],
  ['a session that does not exist', () => sign({ ...claims, sid: crypto.randomUUID() }), 'session_revoked'],
  ['not a JWT at all', () => 'not.a.jwt', 'invalid_token'],
  ['a header that is not JSON', () => `${Buffer.from('{oops').toString('base64url')}.${b64(claims)}.sig`, 'invalid_token'],
];

test.each(cases)('rejects %s with 401', async (_name, make, code) => {
  const token = await make();
  for (const via of ['bearer', 'cookie'] as const) {
    const reply = await callMe(token, via);
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual({ error: code, message: expect.any(String) });
  }
});

test('no token at all: 401 authentication_required', async () => {
  const reply = await new HttpClient(t.baseUrl).get('/auth/me');
  expect(reply.status).toBe(401);
  expect(reply.body.error).toBe('authentication_required');
});

test('a malformed Authorization header is refused, not skipped in favour of the cookie', async () => {
  const client = new HttpClient(t.baseUrl);
  client.setCookie('__Host-access', validToken);
  const reply = await client.get('/auth/me', { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
  expect(reply.status).toBe(401);
});
