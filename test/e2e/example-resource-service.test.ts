import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { VERIFIER } from '@auth-service/verify/nest';
import type { Verifier } from '@auth-service/verify/verify';
import { decodeProtectedHeader } from 'jose';
import { createResourceService } from '../../examples/resource-service/src/app.module.js';
import { KeySchedule } from '../../src/tokens/key-schedule.service.js';
import { SigningKeysService } from '../../src/tokens/signing-keys.service.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { TEST_SERVICE_CLIENT } from '../helpers/config.js';
import { HttpClient } from '../helpers/http-client.js';
import { registerAndLogin, uniqueEmail } from '../helpers/users.js';

/**
 * The auth service and the example resource service (examples/, NestJS with
 * @auth-service/verify) on two ports. They share the auth service's clock,
 * which the test moves; the example hears of revocations over SSF (a long
 * poll of its own stream), on real timers.
 */
const DAY_MS = 24 * 60 * 60 * 1000;
/** Key re-read (60 s) + JWKS max-age (300 s) + stale-while-revalidate (60 s) + margin (60 s). */
const LEAD_MS = 480_000;
const ADMIN = { id: 'ops', client: { ip: null, userAgent: null, origin: 'http' } } as const;

let auth: TestApp;
let example: NestFastifyApplication;
let exampleUrl: string;

beforeAll(async () => {
  auth = await startTestApp({ env: { SIGNING_KEY_ROTATION_DAYS: '1' }, captureLogs: true });
  example = await createResourceService({
    issuer: auth.config.tokens.issuer,
    audience: auth.config.tokens.audience,
    sharedSignals: {
      credentials: { clientId: TEST_SERVICE_CLIENT.clientId, clientSecret: TEST_SERVICE_CLIENT.secret },
      failMode: 'closed',
      // The test moves the shared clock by minutes in one step, faster than any real poll could follow.
      maxStalenessMs: 7 * DAY_MS,
    },
    now: () => auth.clock.now().getTime(),
    // The auth service names its endpoints under its issuer; here it listens on a local port.
    fetch: (input, init) => fetch(String(input instanceof Request ? input.url : input).replace(auth.config.tokens.issuer, auth.baseUrl), init),
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
  });
  await example.listen(0, '127.0.0.1');
  exampleUrl = (await example.getUrl()).replace('[::1]', '127.0.0.1');
});

afterAll(async () => {
  await example?.close();
  await auth?.close();
});

async function signIn(): Promise<{ client: HttpClient; token: string; sessionId: string }> {
  const client = new HttpClient(auth.baseUrl);
  const { login } = await registerAndLogin(client, uniqueEmail('example'));
  return { client, token: client.cookieValue('__Host-access')!, sessionId: login.body.session.id };
}

async function callExample(token: string) {
  const response = await fetch(`${exampleUrl}/whoami`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Requests the auth service has answered on a path, from its request log. */
function served(path: string): number {
  return auth.logs.filter((line) => line.includes('"msg":"request completed"') && line.includes(`"path":"${path}"`)).length;
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
}

test('a logged-in user\'s token works at the example, which says who it is', async () => {
  const { token, sessionId } = await signIn();
  const reply = await callExample(token);
  expect(reply.status).toBe(200);
  expect(reply.body).toMatchObject({ sessionId, roles: [] });
  expect((await fetch(`${exampleUrl}/whoami`)).status).toBe(401);
});

test('after logout, the token is refused as soon as the example\'s long poll hands it the session-revoked event', async () => {
  const { client, token } = await signIn();
  expect((await callExample(token)).status).toBe(200);
  const verifier = example.get<Verifier>(VERIFIER);
  const remembered = verifier.health().revocations!.entries;
  expect((await client.post('/auth/logout')).status).toBe(204);
  await until(() => verifier.health().revocations!.entries > remembered);
  const refused = await callExample(token);
  expect(refused.status).toBe(401);
  expect(refused.body).toMatchObject({ error: 'session_revoked' });
  expect(verifier.health()).toMatchObject({ ok: true, revocations: { source: 'ssf', healthy: true, failMode: 'closed', streamId: expect.any(String) } });
  // The example polls a stream of its own, with the credential's ssf scope; the feed is not read.
  expect(served('/.well-known/revoked-sessions')).toBe(0);
  expect(served(`/ssf/poll/${verifier.health().revocations!.streamId}`)).toBeGreaterThan(0);
});

test('a session revoked before the example started is refused from its first request: its new stream starts with it', async () => {
  const { client, token } = await signIn();
  expect((await client.post('/auth/logout')).status).toBe(204);
  const late = await createResourceService({
    issuer: auth.config.tokens.issuer,
    audience: auth.config.tokens.audience,
    jwksUrl: `${auth.baseUrl}/.well-known/jwks.json`,
    // A description of its own: a verifier with the same options would share the first one's stream in this process.
    sharedSignals: { credentials: { clientId: TEST_SERVICE_CLIENT.clientId, clientSecret: TEST_SERVICE_CLIENT.secret }, failMode: 'closed', maxStalenessMs: 7 * DAY_MS, description: 'late' },
    now: () => auth.clock.now().getTime(),
    fetch: (input, init) => fetch(String(input instanceof Request ? input.url : input).replace(auth.config.tokens.issuer, auth.baseUrl), init),
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
  });
  try {
    await expect(late.get<Verifier>(VERIFIER).verify(token)).rejects.toMatchObject({ code: 'session_revoked' });
  } finally {
    await late.close();
  }
  // Closing deletes its stream (in the background); the first example's stream is then the only one left.
  for (let tries = 0; (await auth.prisma.ssfStream.count()) !== 1; tries++) {
    if (tries > 250) throw new Error('the closed example\'s stream is still there');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
});

test('after a scheduled key rotation, old tokens verify until they expire and new ones at once, without a refetch', async () => {
  const schedule = auth.module.get(KeySchedule);
  const keys = auth.module.get(SigningKeysService);
  const first = (await auth.prisma.signingKey.findFirstOrThrow({ where: { state: 'current' } })).activatedAt!.getTime();

  auth.clock.reset(new Date(first + DAY_MS - LEAD_MS));
  expect(await schedule.runDueSteps()).toEqual([expect.objectContaining({ kind: 'stage' })]);
  const old = await signIn();

  // Even a verifier that fetched the key set a moment before the promotion already has the next key.
  auth.clock.advance(LEAD_MS - 1000);
  const fetchesBeforeLastRefresh = served('/.well-known/jwks.json');
  expect((await callExample(old.token)).status).toBe(200);
  await until(() => served('/.well-known/jwks.json') > fetchesBeforeLastRefresh);
  expect(served('/.well-known/jwks.json')).toBe(fetchesBeforeLastRefresh + 1);

  auth.clock.advance(1000);
  expect(await schedule.runDueSteps()).toEqual([expect.objectContaining({ kind: 'promote' })]);
  const fresh = await signIn();
  expect(decodeProtectedHeader(fresh.token).kid).toBe(keys.signingKey().kid);
  expect(decodeProtectedHeader(fresh.token).kid).not.toBe(decodeProtectedHeader(old.token).kid);
  const fetchesBefore = served('/.well-known/jwks.json');
  expect((await callExample(fresh.token)).status).toBe(200);
  expect((await callExample(old.token)).status).toBe(200);
  expect(served('/.well-known/jwks.json')).toBe(fetchesBefore);

  auth.clock.advance(600_000 - LEAD_MS + 6_000);
  expect((await callExample(old.token)).body).toMatchObject({ error: 'token_expired' });
  expect((await callExample(fresh.token)).status).toBe(200);
});

test('after an emergency withdrawal, tokens of the withdrawn key are refused once the example\'s key set has turned over', async () => {
  const keys = auth.module.get(SigningKeysService);
  const leaked = await signIn();
  const leakedKid = keys.signingKey().kid;
  expect((await callExample(leaked.token)).status).toBe(200);

  await keys.rotate(ADMIN, true);
  await keys.withdraw(leakedKid, ADMIN);
  expect((await leaked.client.get('/auth/me')).status).toBe(401);
  // The example still holds the key set it fetched: for up to max-age + stale-while-revalidate it accepts the token.
  expect((await callExample(leaked.token)).status).toBe(200);

  auth.clock.advance((300 + 60) * 1000 + 1);
  const refused = await callExample(leaked.token);
  expect(refused.status).toBe(401);
  expect(refused.body).toMatchObject({ error: 'key_unknown' });
  const replacement = await signIn();
  expect((await callExample(replacement.token)).status).toBe(200);
});
