// How the benchmark talks to the service: one request at a time with fetch
// (setting up), and the loads of each measured path for autocannon.
import type autocannon from 'autocannon';
import type { FreshToken } from './fixtures.js';
import { ORIGIN } from './service-process.js';

export const PASSWORD = 'bench password, long enough';
export const EMAIL = 'bench@example.test';

const JSON_HEADERS = { 'content-type': 'application/json', origin: ORIGIN, 'x-requested-with': 'fetch' };

export async function expectOk(reply: Response, what: string): Promise<Response> {
  if (reply.status !== 200 && reply.status !== 201) throw new Error(`${what} answered ${reply.status}: ${await reply.text()}`);
  return reply;
}

/** `name=value` of the access cookie a login or refresh set. */
export function accessCookieOf(reply: Response): string {
  const line = reply.headers.getSetCookie().find((cookie) => cookie.startsWith('__Host-access='));
  if (!line) throw new Error(`answered ${reply.status} without an access cookie`);
  return line.split(';')[0];
}

/** The new account's id. */
export async function register(base: string, email = EMAIL): Promise<string> {
  const reply = await expectOk(await fetch(`${base}/auth/register`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ email, password: PASSWORD }) }), 'register');
  return ((await reply.json()) as { user: { id: string } }).user.id;
}

export async function login(base: string, email = EMAIL): Promise<Response> {
  return expectOk(await fetch(`${base}/auth/login`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ email, password: PASSWORD }) }), 'login');
}

export async function refresh(base: string, token: FreshToken): Promise<Response> {
  return expectOk(await fetch(`${base}/auth/refresh`, { method: 'POST', headers: { ...JSON_HEADERS, cookie: `__Secure-refresh=${token.cookie}` } }), 'refresh');
}

export async function me(base: string, accessCookie: string): Promise<Response> {
  return expectOk(await fetch(`${base}/auth/me`, { headers: { cookie: accessCookie } }), 'GET /auth/me');
}

/** The loads, as autocannon options. */
export const loads = {
  me: (base: string, accessCookie: string): autocannon.Options => ({ url: `${base}/auth/me`, headers: { cookie: accessCookie } }),

  /** Each request presents its own unused token: every one is a real rotation. */
  refresh(base: string, tokens: FreshToken[]): autocannon.Options {
    let next = 0;
    return {
      url: `${base}/auth/refresh`,
      method: 'POST',
      headers: { origin: ORIGIN, 'x-requested-with': 'fetch' },
      requests: [
        {
          setupRequest: (request) => {
            const token = tokens[next++];
            if (!token) throw new Error('ran out of prepared refresh tokens; raise plan.freshTokens');
            return { ...request, headers: { ...request.headers, cookie: `__Secure-refresh=${token.cookie}` } };
          },
        },
      ],
    };
  },

  /** Each connection logs in to one of `emails`, round robin. */
  login(base: string, emails: string[] = [EMAIL]): autocannon.Options {
    let next = 0;
    return {
      url: `${base}/auth/login`,
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify({ email: emails[0], password: PASSWORD }),
      setupClient: (client) => client.setBody(JSON.stringify({ email: emails[next++ % emails.length], password: PASSWORD })),
    };
  },
};
