import { SignJWT, UnsecuredJWT } from 'jose';
import { createVerifier, VerificationError, type Verifier } from '../src/verify.js';
import { AUDIENCE, FakeFetch, FakeJwks, ISSUER, JWKS_URL, RecordingLogger, type SigningKey, signingKey, TestClock, token } from './fakes.js';

let clock: TestClock;
let server: FakeFetch;
let jwks: FakeJwks;
let key: SigningKey;
let verifier: Verifier;

beforeEach(async () => {
  clock = new TestClock();
  jwks = new FakeJwks();
  key = await signingKey();
  jwks.keys = [key.jwk];
  server = new FakeFetch().on(new URL(JWKS_URL).pathname, jwks.route);
  verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, now: clock.now, fetch: server.fetch, logger: new RecordingLogger() });
});

async function refusal(pending: Promise<unknown>): Promise<string> {
  const error = await pending.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(VerificationError);
  return (error as VerificationError).code;
}

test('the key set is fetched when the verifier is made, so that its health is true before the first token', async () => {
  await new Promise((resolve) => setImmediate(resolve));
  expect(server.count('/.well-known/jwks.json')).toBe(1);
  expect(verifier.health()).toMatchObject({ ok: true, jwks: { loaded: true, stale: false } });
});

test('a token of the auth service verifies and resolves to its typed claims', async () => {
  const claims = await verifier.verify(await token(key, clock, { claims: { roles: ['admin'] } }));
  expect(claims).toMatchObject({ iss: ISSUER, aud: AUDIENCE, roles: ['admin'], sub: expect.any(String), sid: expect.any(String) });
  expect(server.count('/.well-known/jwks.json')).toBe(1);
});

test('the JWKS URL defaults to the issuer\'s well-known path, under a path-bearing issuer too', async () => {
  const nested = createVerifier({ issuer: 'https://example.test/auth', audience: AUDIENCE, now: clock.now, fetch: server.fetch, logger: new RecordingLogger() });
  await refusal(nested.verify(await token(key, clock, { claims: { iss: 'https://example.test/auth' } })));
  expect(server.requests.at(-1)!.url).toBe('https://example.test/auth/.well-known/jwks.json');
});

describe('refused as token_invalid, with no key fetched, by the header alone', () => {
  test.each([
    ['HS256 (a public key used as an HMAC secret)', async () => new SignJWT({ sub: 'x' }).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: key.kid }).sign(new TextEncoder().encode('k'.repeat(32)))],
    ['alg none', async () => new UnsecuredJWT({ sub: 'x' }).encode()],
    ['ES384', async () => token(await signingKey('ES384'), clock, { alg: 'ES384' })],
    ['no typ', async () => token(key, clock, { header: { typ: undefined } })],
    ['typ JWT (an ID token or another kind)', async () => token(key, clock, { header: { typ: 'JWT' } })],
    ['a crit header naming an extension', async () => token(key, clock, { header: { crit: ['x-ext'], 'x-ext': 1 }, crit: { 'x-ext': true } })],
    ['no kid', async () => token(key, clock, { header: { kid: undefined } })],
    ['not a JWT at all', async () => 'garbage'],
    ['an empty string', async () => ''],
    ['an oversized token', async () => 'a'.repeat(9000)],
  ])('%s', async (_name, make) => {
    const fetched = server.requests.length;
    expect(await refusal(verifier.verify(await make()))).toBe('token_invalid');
    expect(server.requests).toHaveLength(fetched);
  });

  test('application/at+jwt is the same type as at+jwt (RFC 9068 §2.1)', async () => {
    await expect(verifier.verify(await token(key, clock, { header: { typ: 'application/at+jwt' } }))).resolves.toBeDefined();
  });
});

describe('refused as token_invalid after the signature or claims check', () => {
  test.each([
    ['another issuer', { iss: 'https://evil.example' }],
    ['another audience', { aud: 'another-api' }],
    ['no sid', { sid: undefined }],
    ['no exp', { exp: undefined }],
    ['roles that are not a list of strings', { roles: 'admin' }],
    ['an iat a minute ahead of our clock', { iat: Math.floor(Date.UTC(2026, 11, 1, 12) / 1000) + 60 }],
  ])('%s', async (_name, claims) => {
    expect(await refusal(verifier.verify(await token(key, clock, { claims })))).toBe('token_invalid');
  });

  test('a forged signature under a published kid', async () => {
    const forger = await signingKey();
    expect(await refusal(verifier.verify(await token({ ...forger, kid: key.kid }, clock)))).toBe('token_invalid');
  });
});

describe('time, with the default leeway of 5 s', () => {
  test('expired beyond the leeway: token_expired; within it: accepted', async () => {
    const issued = await token(key, clock);
    clock.advance(604_000);
    await expect(verifier.verify(issued)).resolves.toBeDefined();
    clock.advance(2_000);
    expect(await refusal(verifier.verify(issued))).toBe('token_expired');
  });

  test('nbf in the future beyond the leeway: refused; within it: accepted', async () => {
    expect(await refusal(verifier.verify(await token(key, clock, { claims: { nbf: clock.seconds + 30 } })))).toBe('token_invalid');
    await expect(verifier.verify(await token(key, clock, { claims: { nbf: clock.seconds + 4 } }))).resolves.toBeDefined();
  });

  test('a token issued longer ago than any lifetime the auth service allows is expired whatever its exp', async () => {
    const old = await token(key, clock, { claims: { exp: clock.seconds + 86_400 } });
    clock.advance(906_000);
    expect(await refusal(verifier.verify(old))).toBe('token_expired');
  });

  test('the leeway is configurable, and bounded', async () => {
    const lenient = createVerifier({ issuer: ISSUER, audience: AUDIENCE, clockToleranceSeconds: 30, now: clock.now, fetch: server.fetch, logger: new RecordingLogger() });
    const issued = await token(key, clock);
    clock.advance(620_000);
    await expect(lenient.verify(issued)).resolves.toBeDefined();
    expect(() => createVerifier({ issuer: ISSUER, audience: AUDIENCE, clockToleranceSeconds: 3600 })).toThrow(TypeError);
  });
});

test('VerificationError carries the status an adapter answers with', () => {
  expect(new VerificationError('token_expired', 'x').status).toBe(401);
  expect(new VerificationError('revocations_unavailable', 'x').status).toBe(503);
});
