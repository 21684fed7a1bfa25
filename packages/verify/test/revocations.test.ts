import { randomUUID } from 'node:crypto';
import type { RevocationOptions } from '../src/revocations.js';
import { createVerifier, VerificationError, type Verifier } from '../src/verify.js';
import { AUDIENCE, FakeFetch, FakeJwks, FEED_URL, ISSUER, RecordingLogger, type SigningKey, signingKey, TestClock, token } from './fakes.js';

const FEED_PATH = new URL(FEED_URL).pathname;
const CREDENTIALS = { clientId: 'billing', clientSecret: 'billing-secret-0123456789abcdef0123456789' };
const WINDOW_SECONDS = 720;

/** A feed that answers like the auth service: entries after `since` (or the whole window), overlapping by 30 s. */
class FakeFeed {
  entries: Array<{ sid: string; revokedAt: number }> = [];
  pageSize = 1000;
  constructor(private readonly clock: TestClock) {}

  revoke(sid: string): void {
    this.entries.push({ sid, revokedAt: this.clock.current });
  }

  readonly route = (request: { url: string; headers: Headers }) => {
    const expected = `Basic ${Buffer.from(`${CREDENTIALS.clientId}:${CREDENTIALS.clientSecret}`).toString('base64')}`;
    if (request.headers.get('authorization') !== expected) return new Response('{"error":"invalid_client"}', { status: 401 });
    const since = new URL(request.url).searchParams.get('since');
    const from = Math.max(since ? Date.parse(since) : 0, this.clock.current - WINDOW_SECONDS * 1000);
    const matching = this.entries.filter((entry) => entry.revokedAt > from);
    const page = matching.slice(0, this.pageSize);
    const complete = page.length === matching.length;
    const next = complete ? this.clock.current - 30_000 : page.at(-1)!.revokedAt - 1;
    const body = {
      revoked: page.map((entry) => ({ sid: entry.sid, revokedAt: new Date(entry.revokedAt).toISOString() })),
      next: new Date(next).toISOString(),
      complete,
      windowSeconds: WINDOW_SECONDS,
    };
    return Response.json(body);
  };
}

let clock: TestClock;
let server: FakeFetch;
let feed: FakeFeed;
let key: SigningKey;
let logger: RecordingLogger;
const verifiers: Verifier[] = [];

beforeEach(async () => {
  clock = new TestClock();
  const jwks = new FakeJwks();
  key = await signingKey();
  jwks.keys = [key.jwk];
  feed = new FakeFeed(clock);
  server = new FakeFetch().on('/.well-known/jwks.json', jwks.route).on(FEED_PATH, feed.route);
  logger = new RecordingLogger();
});

afterEach(() => {
  for (const verifier of verifiers.splice(0)) verifier.close();
});

function verifierWith(revocations: Partial<RevocationOptions> = {}): Verifier {
  const verifier = createVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    now: clock.now,
    fetch: server.fetch,
    logger,
    // An hour between polls: the tests poll when they choose, with refreshRevocations().
    revocations: { url: FEED_URL, pollMs: 3_600_000, credentials: CREDENTIALS, failMode: 'open', maxStalenessMs: 60_000, ...revocations },
  });
  verifiers.push(verifier);
  return verifier;
}

const tokenFor = (sid: string) => token(key, clock, { claims: { sid } });

async function codeOf(pending: Promise<unknown>): Promise<string | undefined> {
  return pending.then(
    () => undefined,
    (error: unknown) => (error instanceof VerificationError ? error.code : String(error)),
  );
}

test('a session revoked before startup is refused on the first verify: verify waits for the first poll', async () => {
  const sid = randomUUID();
  feed.revoke(sid);
  const verifier = verifierWith();
  expect(await codeOf(verifier.verify(await tokenFor(sid)))).toBe('session_revoked');
  await expect(verifier.verify(await tokenFor(randomUUID()))).resolves.toBeDefined();
});

test('a session revoked later is refused from the next poll on; the poll sends the credential and the cursor', async () => {
  const verifier = verifierWith();
  const sid = randomUUID();
  const jwt = await tokenFor(sid);
  await expect(verifier.verify(jwt)).resolves.toBeDefined();
  clock.advance(1000);
  feed.revoke(sid);
  await expect(verifier.verify(jwt)).resolves.toBeDefined();
  await verifier.refreshRevocations();
  expect(await codeOf(verifier.verify(jwt))).toBe('session_revoked');
  const polls = server.requests.filter((request) => new URL(request.url).pathname === FEED_PATH);
  expect(new URL(polls[1]!.url).searchParams.get('since')).toBe(new Date(clock.current - 1000 - 30_000).toISOString());
});

test('overlapping pages keep one entry per sid, and an entry is forgotten once windowSeconds have passed', async () => {
  const sid = randomUUID();
  feed.revoke(sid);
  const verifier = verifierWith();
  await verifier.refreshRevocations();
  clock.advance(10_000);
  await verifier.refreshRevocations();
  expect(server.count(FEED_PATH)).toBe(2);
  expect(verifier.health().revocations!.entries).toBe(1);

  clock.advance(WINDOW_SECONDS * 1000 - 10_000 + 1);
  await verifier.refreshRevocations();
  expect(verifier.health().revocations!.entries).toBe(0);
});

test('an incomplete page is followed at once by the next, within one poll', async () => {
  feed.pageSize = 2;
  const sids = Array.from({ length: 5 }, () => randomUUID());
  for (const sid of sids) {
    feed.revoke(sid);
    clock.advance(1);
  }
  const verifier = verifierWith();
  await verifier.refreshRevocations();
  for (const sid of sids) expect(await codeOf(verifier.verify(await tokenFor(sid)))).toBe('session_revoked');
  expect(verifier.health().revocations!.entries).toBe(5);
});

test('verifiers of one process with the same feed share one poller; different options get their own', async () => {
  const first = verifierWith();
  const second = verifierWith();
  await Promise.all([first.refreshRevocations(), second.refreshRevocations()]);
  expect(server.count(FEED_PATH)).toBe(1);

  first.close();
  await second.refreshRevocations();
  expect(server.count(FEED_PATH)).toBe(2);

  const other = verifierWith({ failMode: 'closed' });
  await other.refreshRevocations();
  expect(server.count(FEED_PATH)).toBe(3);
});

describe('when the feed is out of reach', () => {
  test('fail-open: tokens keep verifying, revocations already seen still count; the health flag and one log line say so', async () => {
    const revoked = randomUUID();
    feed.revoke(revoked);
    const verifier = verifierWith({ failMode: 'open' });
    await verifier.verify(await tokenFor(randomUUID()));
    server.down = true;

    clock.advance(59_000);
    await verifier.refreshRevocations();
    expect(verifier.health().revocations!.healthy).toBe(true);
    clock.advance(2_000);
    await verifier.refreshRevocations();
    await verifier.refreshRevocations();
    expect(verifier.health()).toMatchObject({ ok: false, revocations: { healthy: false, failMode: 'open', lastError: expect.stringContaining('ECONNREFUSED') } });
    const errors = logger.lines.filter((line) => line.level === 'error');
    expect(errors).toEqual([expect.objectContaining({ message: expect.stringContaining('accepting tokens without it'), fields: expect.objectContaining({ failMode: 'open' }) })]);

    await expect(verifier.verify(await tokenFor(randomUUID()))).resolves.toBeDefined();
    expect(await codeOf(verifier.verify(await tokenFor(revoked)))).toBe('session_revoked');
  });

  test('fail-closed: every token is refused with revocations_unavailable (503) until the feed answers again', async () => {
    const verifier = verifierWith({ failMode: 'closed' });
    await verifier.verify(await tokenFor(randomUUID()));
    server.down = true;
    clock.advance(61_000);
    await verifier.refreshRevocations();
    const refused = await verifier.verify(await tokenFor(randomUUID())).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'revocations_unavailable', status: 503 });

    server.down = false;
    await verifier.refreshRevocations();
    await expect(verifier.verify(await tokenFor(randomUUID()))).resolves.toBeDefined();
    expect(logger.lines.at(-1)).toMatchObject({ level: 'info', message: 'the revocation feed answers again' });
  });

  test('a refused credential is reported as such', async () => {
    const verifier = verifierWith({ credentials: { clientId: 'billing', clientSecret: 'wrong-secret-0123456789abcdef0123456789' } });
    await verifier.refreshRevocations();
    expect(verifier.health().revocations!.lastError).toContain('refused the credential of "billing" (401)');
    expect(JSON.stringify(logger.lines)).not.toContain('wrong-secret');
  });
});
