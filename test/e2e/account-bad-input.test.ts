import { startTestApp, type TestApp } from '../helpers/app.js';
import { HeldMailJobs } from '../helpers/held-mail-jobs.js';
import { HttpClient } from '../helpers/http-client.js';
import { PASSWORD, registerAndLogin } from '../helpers/users.js';

/** Every route of the account lifecycle, given bad input: the error shape, a 4xx, and nothing changed or queued. */

let t: TestApp;
let jobs: HeldMailJobs;
let signedIn: HttpClient;
beforeAll(async () => {
  jobs = new HeldMailJobs();
  t = await startTestApp({ mailJobs: jobs });
  signedIn = new HttpClient(t.baseUrl);
  await registerAndLogin(signedIn);
});
afterAll(async () => {
  await jobs?.release();
  await t?.close();
});

/** What bad input must leave as it was: users (hashes, flags), sessions, tokens, audit events, and the mail queue. */
async function snapshot() {
  const [users, liveSessions, accountTokens, audit] = await Promise.all([
    t.prisma.user.findMany({ select: { id: true, email: true, passwordHash: true, emailVerifiedAt: true, deletedAt: true }, orderBy: { id: 'asc' } }),
    t.prisma.session.count({ where: { revokedAt: null } }),
    t.prisma.accountToken.count(),
    t.prisma.auditEvent.count(),
  ]);
  return { users, liveSessions, accountTokens, audit, mailJobs: jobs.waiting };
}

const LONG = 'p'.repeat(257);

const ROUTES: Array<{ method: string; path: string; signedIn: boolean; bodies: Array<[string, unknown]> }> = [
  {
    method: 'POST',
    path: '/auth/password',
    signedIn: true,
    bodies: [
      ['no new password', { currentPassword: PASSWORD }],
      ['a new password of 7 characters', { currentPassword: PASSWORD, newPassword: 'short12' }],
      ['a new password of 257 characters', { currentPassword: PASSWORD, newPassword: LONG }],
      ['a current password of 257 characters', { currentPassword: LONG, newPassword: 'long enough password' }],
      ['a number for the current password', { currentPassword: 12345678, newPassword: 'long enough password' }],
      ['an unknown field', { currentPassword: PASSWORD, newPassword: 'long enough password', userId: 'someone-else' }],
    ],
  },
  {
    method: 'POST',
    path: '/auth/password/forgot',
    signedIn: false,
    bodies: [
      ['no email', {}],
      ['not an email', { email: 'nobody' }],
      ['an email of 300 characters', { email: `${'a'.repeat(290)}@example.test` }],
      ['an object for email', { email: { $ne: null } }],
      ['a mixed-script email', { email: 'аlice@example.com' }],
      ['an unknown field', { email: 'ann@example.com', redirect: 'https://evil.example' }],
    ],
  },
  {
    method: 'POST',
    path: '/auth/email/verification-mail',
    signedIn: false,
    bodies: [
      ['no email', {}],
      ['an array for email', { email: ['ann@example.com'] }],
      ['an unknown field', { email: 'ann@example.com', template: 'x' }],
    ],
  },
  {
    method: 'POST',
    path: '/auth/password/reset',
    signedIn: false,
    bodies: [
      ['no token', { password: 'long enough password' }],
      ['an empty token', { token: '', password: 'long enough password' }],
      ['a token of 201 characters', { token: 't'.repeat(201), password: 'long enough password' }],
      ['a too short password', { token: 'x.y', password: 'short' }],
      ['a number for the token', { token: 42, password: 'long enough password' }],
      ['an unknown field', { token: 'x.y', password: 'long enough password', email: 'ann@example.com' }],
    ],
  },
  {
    method: 'POST',
    path: '/auth/email/verify',
    signedIn: false,
    bodies: [
      ['no token', {}],
      ['an object for the token', { token: { id: 1 } }],
      ['an unknown field', { token: 'x.y', email: 'ann@example.com' }],
    ],
  },
  {
    method: 'DELETE',
    path: '/auth/me',
    signedIn: true,
    bodies: [
      ['no password', {}],
      ['a password of 257 characters', { password: LONG }],
      ['an unknown field', { password: PASSWORD, userId: 'someone-else' }],
    ],
  },
];

const RAW_BODIES: Array<[string, string | undefined]> = [
  ['no body at all', undefined],
  ['malformed JSON', '{"email": "a@b.example", "password": '],
  ['a JSON string', '"just a string"'],
  ['a JSON array', '[]'],
  ['JSON null', 'null'],
  ['__proto__ pollution', '{"__proto__":{"roles":["admin"]},"email":"a@b.example"}'],
  ['a lone surrogate', '{"email":"a\\ud800@b.example","token":"x\\ud800","password":"abc\\ud800defghij"}'],
];

function clientFor(route: { signedIn: boolean }): HttpClient {
  return route.signedIn ? signedIn : new HttpClient(t.baseUrl);
}

describe.each(ROUTES)('$method $path', (route) => {
  test.each(route.bodies)('%s: 400 invalid_request naming the field; nothing changed, nothing queued', async (_name, body) => {
    const before = await snapshot();
    const reply = await clientFor(route).request(route.method, route.path, body);
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ error: 'invalid_request', message: expect.any(String), details: expect.any(Array) });
    expect(reply.body.details.length).toBeGreaterThan(0);
    expect(reply.text).not.toContain(PASSWORD);
    expect(await snapshot()).toEqual(before);
  });

  test.each(RAW_BODIES)('%s: 400 invalid_request, never a 500; nothing changed, nothing queued', async (_name, rawBody) => {
    const before = await snapshot();
    const reply = await clientFor(route).request(route.method, route.path, undefined, {
      rawBody,
      headers: rawBody === undefined ? {} : { 'content-type': 'application/json' },
    });
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual(expect.objectContaining({ error: 'invalid_request', message: expect.any(String) }));
    expect(reply.text).not.toMatch(/\bat .*\.(ts|js):\d+|stack|prisma|SELECT|UPDATE/i);
    expect(await snapshot()).toEqual(before);
  });

  test('a text/plain body (a cross-site form): 415, nothing changed', async () => {
    const before = await snapshot();
    const reply = await clientFor(route).request(route.method, route.path, undefined, { rawBody: 'email=a@b.example', headers: { 'content-type': 'text/plain' } });
    expect(reply.status).toBe(415);
    expect(reply.body.error).toBe('unsupported_media_type');
    expect(await snapshot()).toEqual(before);
  });
});
