import Fastify from 'fastify';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { accessTokenHook, type RequestWithAccessToken, requireAccessToken } from '../src/middleware.js';
import { createVerifier, type Verifier } from '../src/verify.js';
import { AUDIENCE, FakeFetch, FakeJwks, ISSUER, RecordingLogger, type SigningKey, signingKey, TestClock, token } from './fakes.js';

let clock: TestClock;
let key: SigningKey;
let verifier: Verifier;

beforeEach(async () => {
  clock = new TestClock();
  key = await signingKey();
  const jwks = new FakeJwks();
  jwks.keys = [key.jwk];
  const server = new FakeFetch().on('/.well-known/jwks.json', jwks.route);
  verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, now: clock.now, fetch: server.fetch, logger: new RecordingLogger() });
});

/** What each adapter must do with: a valid token, none, an expired one, and a header that is not Bearer. */
async function expectAdapterBehaviour(baseUrl: string): Promise<void> {
  const valid = await token(key, clock, { claims: { roles: ['reader'] } });
  const ok = await fetch(`${baseUrl}/whoami`, { headers: { authorization: `Bearer ${valid}` } });
  expect(ok.status).toBe(200);
  expect(await ok.json()).toEqual({ roles: ['reader'] });

  const missing = await fetch(`${baseUrl}/whoami`);
  expect(missing.status).toBe(401);
  expect(missing.headers.get('www-authenticate')).toBe('Bearer');
  expect(await missing.json()).toEqual({ error: 'token_missing', message: expect.any(String) });

  const expired = await token(key, clock);
  clock.advance(700_000);
  const late = await fetch(`${baseUrl}/whoami`, { headers: { authorization: `Bearer ${expired}` } });
  expect(late.status).toBe(401);
  expect(late.headers.get('www-authenticate')).toBe('Bearer error="invalid_token", error_description="token_expired"');
  expect(late.headers.get('cache-control')).toBe('no-store');
  expect(((await late.json()) as { error: string }).error).toBe('token_expired');

  const basic = await fetch(`${baseUrl}/whoami`, { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
  expect(((await basic.json()) as { error: string }).error).toBe('token_missing');
}

test('the Node/Express/Connect middleware puts the claims on the request or answers the refusal itself', async () => {
  const middleware = requireAccessToken(verifier);
  const server: Server = createServer((request: RequestWithAccessToken, response) => {
    middleware(request, response, (error?: unknown) => {
      response.writeHead(error ? 500 : 200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ roles: request.accessToken?.roles }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await expectAdapterBehaviour(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test('the Fastify hook does the same', async () => {
  const app = Fastify();
  app.decorateRequest('accessToken', undefined);
  app.addHook('onRequest', accessTokenHook(verifier));
  app.get('/whoami', async (request) => ({ roles: (request as { accessToken?: { roles: string[] } }).accessToken?.roles }));
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    await expectAdapterBehaviour(url);
  } finally {
    await app.close();
  }
});

test('an unexpected failure inside verify goes to next(error), not to a 401', async () => {
  const broken: Verifier = { ...verifier, verify: () => Promise.reject(new Error('bug')) };
  const seen: unknown[] = [];
  await new Promise<void>((resolve) => {
    requireAccessToken(broken)({ headers: { authorization: 'Bearer a.b.c' } } as RequestWithAccessToken, {} as never, (error) => {
      seen.push(error);
      resolve();
    });
  });
  expect(seen).toEqual([new Error('bug')]);
});
