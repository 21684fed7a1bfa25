import { UsersService } from '../../src/users/users.service.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { HttpClient } from '../helpers/http-client.js';
import { PASSWORD, registerAndLogin, uniqueEmail, TEST_OPERATOR } from '../helpers/users.js';

/** Who the caller is, as far as addresses and email spellings go: what gets stored and what comes back. */
let t: TestApp;
let admin: HttpClient;

beforeAll(async () => {
  // One proxy in front: the last X-Forwarded-For entry is the client, whatever it says.
  t = await startTestApp({ env: { TRUST_PROXY: '1' } });
  admin = new HttpClient(t.baseUrl);
  const { email } = await registerAndLogin(admin);
  await t.module.get(UsersService).changeRole(email, 'admin', true, TEST_OPERATOR);
});
afterAll(() => t?.close());

describe('the client IP', () => {
  const HOSTILE = '<img src=x onerror=alert(1)>';

  test('an X-Forwarded-For entry that is not an IP is stored, and shown, as null', async () => {
    const client = new HttpClient(t.baseUrl);
    const email = uniqueEmail();
    await client.post('/auth/register', { email, password: PASSWORD });
    const login = await client.post('/auth/login', { email, password: PASSWORD }, { headers: { 'x-forwarded-for': HOSTILE } });
    expect(login.status).toBe(200);
    const sessionId = login.body.session.id as string;
    const userId = login.body.user.id as string;

    const session = await t.prisma.session.findUniqueOrThrow({ where: { id: sessionId } });
    expect(session.ip).toBeNull();
    const events = await t.prisma.auditEvent.findMany({ where: { sessionId } });
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) expect(event.ip).toBeNull();

    const own = await client.get('/auth/sessions');
    const adminSessions = await admin.get(`/admin/sessions?userId=${userId}`);
    const adminAudit = await admin.get(`/admin/audit?userId=${userId}`);
    for (const reply of [own, adminSessions, adminAudit]) {
      expect(reply.status).toBe(200);
      expect(reply.text).not.toContain('<img');
    }
    expect(own.body.sessions[0].ip).toBeNull();
    expect(adminSessions.body.sessions[0].ip).toBeNull();
  });

  test('an IPv4 client written as IPv4-mapped IPv6 is stored as IPv4', async () => {
    const client = new HttpClient(t.baseUrl);
    const email = uniqueEmail();
    await client.post('/auth/register', { email, password: PASSWORD });
    const login = await client.post('/auth/login', { email, password: PASSWORD }, { headers: { 'x-forwarded-for': '::ffff:203.0.113.5' } });
    const session = await t.prisma.session.findUniqueOrThrow({ where: { id: login.body.session.id } });
    expect(session.ip).toBe('203.0.113.5');
  });
});

describe('look-alike emails', () => {
  const fullwidth = (text: string) => text.replace(/[a-z0-9]/g, (character) => String.fromCodePoint(character.codePointAt(0)! + 0xfee0));

  test('a Cyrillic or fullwidth twin of an address is refused or is the same account', async () => {
    const email = uniqueEmail('alice');
    const [local, domain] = email.split('@') as [string, string];
    const registered = await new HttpClient(t.baseUrl).post('/auth/register', { email, password: PASSWORD });
    expect(registered.status).toBe(201);

    for (const twin of [`\u0430${local.slice(1)}@${domain}`, `${local}@${domain.replace('a', '\u0430')}`]) {
      const reply = await new HttpClient(t.baseUrl).post('/auth/register', { email: twin, password: PASSWORD });
      expect(reply.status).toBe(400);
      expect(reply.body).toMatchObject({ error: 'invalid_request', message: expect.stringContaining('email') });
      expect(reply.body.details).toContainEqual({ field: 'email', reason: expect.stringMatching(/mixes Cyrillic and Latin|mixes Latin and Cyrillic/) });
    }

    const wide = `${fullwidth(local)}@${domain}`;
    const again = await new HttpClient(t.baseUrl).post('/auth/register', { email: wide, password: PASSWORD });
    expect(again.status).toBe(409);
    expect(again.body.error).toBe('email_taken');

    const login = await new HttpClient(t.baseUrl).post('/auth/login', { email: wide.toUpperCase(), password: PASSWORD });
    expect(login.status).toBe(200);
    expect(login.body.user.id).toBe(registered.body.user.id);
    expect(await t.prisma.user.count({ where: { email: { contains: local.slice(1) } } })).toBe(1);
  });

  test('a domain is stored in its ASCII (punycode) form, and either spelling logs in', async () => {
    const local = uniqueEmail('idn').split('@')[0]!;
    const registered = await new HttpClient(t.baseUrl).post('/auth/register', { email: `${local}@BÜCHER.test`, password: PASSWORD });
    expect(registered.status).toBe(201);
    expect(registered.body.user.email).toBe(`${local}@xn--bcher-kva.test`);
    expect((await new HttpClient(t.baseUrl).post('/auth/login', { email: `${local}@xn--bcher-kva.test`, password: PASSWORD })).status).toBe(200);
    expect((await new HttpClient(t.baseUrl).post('/auth/login', { email: `${local}@bücher.test`, password: PASSWORD })).status).toBe(200);
  });
});
