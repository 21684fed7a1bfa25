import { randomUUID } from 'node:crypto';
import { createVerifier, VerificationError, type Verifier } from '../src/verify.js';
import { AUDIENCE, FakeFetch, FakeJwks, ISSUER, RecordingLogger, type SigningKey, signingKey, TestClock, token } from './fakes.js';

const PATH = '/.well-known/jwks.json';

let clock: TestClock;
let server: FakeFetch;
let jwks: FakeJwks;
let key: SigningKey;
let logger: RecordingLogger;
let verifier: Verifier;

/** A verifier made now: it fetches the key set at once, with the server as the test has set it up. */
function makeVerifier(jwksOptions: { maxCacheSeconds?: number } = {}): Verifier {
  return createVerifier({ issuer: ISSUER, audience: AUDIENCE, now: clock.now, fetch: server.fetch, logger, jwks: { cooldownMs: 30_000, ...jwksOptions } });
}

beforeEach(async () => {
  clock = new TestClock();
  jwks = new FakeJwks();
  key = await signingKey();
  jwks.keys = [key.jwk];
  server = new FakeFetch().on(PATH, jwks.route);
  logger = new RecordingLogger();
  verifier = makeVerifier();
});

/** Lets a background revalidation that verify() started finish. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

async function codeOf(pending: Promise<unknown>): Promise<string | undefined> {
  return pending.then(
    () => undefined,
    (error: unknown) => (error instanceof VerificationError ? error.code : String(error)),
  );
}

test('honours max-age, then revalidates with If-None-Match; a 304 keeps the keys and renews their lifetime', async () => {
  await verifier.verify(await token(key, clock));
  clock.advance(299_000);
  await verifier.verify(await token(key, clock));
  expect(server.count(PATH)).toBe(1);

  clock.advance(62_000);
  await verifier.verify(await token(key, clock));
  expect(server.count(PATH)).toBe(2);
  expect(server.requests[1]!.headers.get('if-none-match')).toBe(jwks.etag);

  clock.advance(299_000);
  await verifier.verify(await token(key, clock));
  expect(server.count(PATH)).toBe(2);
});

test('within stale-while-revalidate the held set answers at once and one background fetch refreshes it', async () => {
  await verifier.verify(await token(key, clock));
  clock.advance(330_000);
  const removed = await token(key, clock);
  jwks.keys = [(await signingKey()).jwk];
  await expect(verifier.verify(removed)).resolves.toBeDefined();
  await verifier.verify(removed).catch(() => undefined);
  await settle();
  expect(server.count(PATH)).toBe(2);
  expect(await codeOf(verifier.verify(removed))).toBe('key_unknown');
});

test('a flood of unknown kids causes at most one fetch per cooldown, and each is refused as key_unknown', async () => {
  await verifier.verify(await token(key, clock));
  clock.advance(30_000);
  const forged = await Promise.all(Array.from({ length: 50 }, () => token({ ...key, kid: randomUUID() }, clock)));
  const codes = await Promise.all(forged.map((jwt) => codeOf(verifier.verify(jwt))));
  expect(new Set(codes)).toEqual(new Set(['key_unknown']));
  expect(server.count(PATH)).toBe(2);

  clock.advance(29_000);
  await Promise.all(forged.map((jwt) => codeOf(verifier.verify(jwt))));
  expect(server.count(PATH)).toBe(2);
  clock.advance(1_000);
  await codeOf(verifier.verify(forged[0]!));
  expect(server.count(PATH)).toBe(3);
});

test('a key published after the last fetch is found by the refetch its unknown kid triggers', async () => {
  await verifier.verify(await token(key, clock));
  const successor = await signingKey();
  jwks.keys = [key.jwk, successor.jwk];
  clock.advance(30_000);
  await expect(verifier.verify(await token(successor, clock))).resolves.toBeDefined();
  expect(server.count(PATH)).toBe(2);
});

test('while the auth service is down the held set keeps serving, one attempt per cooldown, and the health says so', async () => {
  await verifier.verify(await token(key, clock));
  server.down = true;
  clock.advance(400_000);
  await expect(verifier.verify(await token(key, clock))).resolves.toBeDefined();
  await expect(verifier.verify(await token(key, clock))).resolves.toBeDefined();
  expect(server.count(PATH)).toBe(2);
  expect(verifier.health()).toMatchObject({ ok: true, jwks: { loaded: true, stale: true, lastError: expect.stringContaining('ECONNREFUSED') } });
  expect(logger.lines).toContainEqual(expect.objectContaining({ level: 'warn', message: 'could not refresh the key set; keeping the one held' }));

  clock.advance(30_000);
  server.down = false;
  await verifier.verify(await token(key, clock));
  expect(server.count(PATH)).toBe(3);
  expect(verifier.health().jwks).toMatchObject({ stale: false, lastError: null });
  expect(logger.lines.at(-1)).toMatchObject({ level: 'info', message: 'the key set is reachable again' });
});

test('with no set ever fetched every token is key_unknown and the health is not ok', async () => {
  server.down = true;
  verifier = makeVerifier();
  expect(await codeOf(verifier.verify(await token(key, clock)))).toBe('key_unknown');
  expect(verifier.health()).toMatchObject({ ok: false, jwks: { loaded: false } });
});

test('no-store (or no max-age at all) cannot make the verifier fetch more than once per cooldown', async () => {
  jwks.cacheControl = 'no-store';
  clock.advance(30_000);
  verifier = makeVerifier();
  await verifier.verify(await token(key, clock));
  clock.advance(10_000);
  await verifier.verify(await token(key, clock));
  expect(server.count(PATH)).toBe(2);
  clock.advance(20_000);
  await verifier.verify(await token(key, clock));
  expect(server.count(PATH)).toBe(3);
});

test('the Age a cache in front of the auth service adds shortens the freshness', async () => {
  jwks.age = '290';
  verifier = makeVerifier();
  await verifier.verify(await token(key, clock));
  // Past the cooldown, well inside max-age=300 had the response been fresh from the origin.
  clock.advance(31_000);
  await verifier.verify(await token(key, clock));
  await settle();
  expect(server.count(PATH)).toBe(3);
});

test('a max-age beyond the configured cap is cut to it', async () => {
  jwks.cacheControl = 'max-age=86400';
  const capped = makeVerifier({ maxCacheSeconds: 600 });
  await capped.verify(await token(key, clock));
  clock.advance(599_000);
  await capped.verify(await token(key, clock));
  expect(server.count(PATH)).toBe(2);
  clock.advance(2_000);
  await capped.verify(await token(key, clock));
  expect(server.count(PATH)).toBe(3);
});
