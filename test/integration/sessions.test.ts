import { AUDIT_EVENT } from '../../src/audit/audit-entry.js';
import { AppError } from '../../src/common/app-error.js';
import type { ClientInfo } from '../../src/common/client-info.js';
import { hashSecret } from '../../src/common/opaque-token.js';
import { RefreshTokensRepository } from '../../src/sessions/refresh-tokens.repository.js';
import { SessionsService } from '../../src/sessions/sessions.service.js';
import { SignInService } from '../../src/sign-in/sign-in.service.js';
import { UsersService } from '../../src/users/users.service.js';
import { startTestContext, type TestContext } from '../helpers/app.js';
import { PASSWORD, uniqueEmail, TEST_CLIENT } from '../helpers/users.js';

const client: ClientInfo = { ip: '203.0.113.7', userAgent: 'integration-test', origin: 'http' };
let t: TestContext;
let sessions: SessionsService;
let signIn: SignInService;
let users: UsersService;

beforeAll(async () => {
  t = await startTestContext({ env: { REFRESH_GRACE_SECONDS: '10' } });
  sessions = t.module.get(SessionsService);
  signIn = t.module.get(SignInService);
  users = t.module.get(UsersService);
});
afterAll(() => t?.close());

async function login() {
  const email = uniqueEmail();
  await users.register(email, PASSWORD, TEST_CLIENT);
  return signIn.login(email, PASSWORD, client);
}

const idOf = (token: string) => token.split('.')[0]!;

async function expectAppError(promise: Promise<unknown>, code: string) {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
}

test('a login writes its session, its first token and its event in one statement, with the clock\'s times and the client\'s details', async () => {
  const issued = await login();
  const now = t.clock.now();
  const session = await t.prisma.session.findUniqueOrThrow({ where: { id: issued.session.id } });
  expect(session).toMatchObject({
    createdAt: now,
    lastUsedAt: now,
    idleExpiresAt: issued.session.idleExpiresAt,
    absoluteExpiresAt: issued.session.absoluteExpiresAt,
    revokedAt: null,
    ip: client.ip,
    userAgent: client.userAgent,
  });
  const [tokenId, secret] = issued.refreshToken.split('.') as [string, string];
  const token = await t.prisma.refreshToken.findUniqueOrThrow({ where: { id: tokenId } });
  expect(token).toMatchObject({ sessionId: session.id, parentId: null, createdAt: now, expiresAt: issued.session.idleExpiresAt, usedAt: null });
  expect(Buffer.from(token.secretHash)).toEqual(hashSecret(Buffer.from(secret, 'base64url')));
  const events = await t.prisma.auditEvent.findMany({ where: { sessionId: session.id } });
  expect(events).toEqual([expect.objectContaining({ type: AUDIT_EVENT.login, userId: issued.user.id, occurredAt: now, ip: client.ip, userAgent: client.userAgent })]);
});

test('a login whose event cannot be written leaves no session and no token behind', async () => {
  const email = uniqueEmail();
  const user = await users.register(email, PASSWORD, TEST_CLIENT);
  await t.prisma.$executeRawUnsafe(`
    CREATE FUNCTION fail_login_event() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'injected failure writing the login event'; END $$`);
  await t.prisma.$executeRawUnsafe(`CREATE TRIGGER fail_login_event BEFORE INSERT ON audit_events FOR EACH ROW WHEN (NEW.type = '${AUDIT_EVENT.login}') EXECUTE FUNCTION fail_login_event()`);
  try {
    await expect(signIn.login(email, PASSWORD, client)).rejects.toThrow('injected failure');
  } finally {
    await t.prisma.$executeRawUnsafe('DROP TRIGGER fail_login_event ON audit_events');
    await t.prisma.$executeRawUnsafe('DROP FUNCTION fail_login_event()');
  }
  expect(await t.prisma.session.count({ where: { userId: user.id } })).toBe(0);
  expect(await t.prisma.refreshToken.count({ where: { session: { userId: user.id } } })).toBe(0);
});

test('a failure after the compare-and-set, inside the one rotation statement, rolls all of it back', async () => {
  const issued = await login();
  const before = await t.prisma.session.findUniqueOrThrow({ where: { id: issued.session.id } });
  t.clock.advanceSeconds(30);
  // The child insert is the statement's last write: failing it proves the touch and the claim before it are undone.
  await t.prisma.$executeRawUnsafe(`
    CREATE FUNCTION fail_child_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'injected failure after claiming the token'; END $$`);
  await t.prisma.$executeRawUnsafe(`CREATE TRIGGER fail_child_insert BEFORE INSERT ON refresh_tokens FOR EACH ROW WHEN (NEW.parent_id IS NOT NULL) EXECUTE FUNCTION fail_child_insert()`);
  try {
    await expect(signIn.refresh(issued.refreshToken, client)).rejects.toThrow('injected failure');
  } finally {
    await t.prisma.$executeRawUnsafe('DROP TRIGGER fail_child_insert ON refresh_tokens');
    await t.prisma.$executeRawUnsafe('DROP FUNCTION fail_child_insert()');
  }

  const token = await t.prisma.refreshToken.findUniqueOrThrow({ where: { id: idOf(issued.refreshToken) } });
  expect(token.usedAt).toBeNull();
  expect(await t.prisma.refreshToken.count({ where: { sessionId: issued.session.id } })).toBe(1);
  const after = await t.prisma.session.findUniqueOrThrow({ where: { id: issued.session.id } });
  expect(after).toEqual(before);

  const retried = await signIn.refresh(issued.refreshToken, client);
  expect(retried.session.id).toBe(issued.session.id);
  expect(await t.prisma.refreshToken.count({ where: { sessionId: issued.session.id } })).toBe(2);
});

test('should a claim ever pass twice, the unique parent index stops the second child and it counts as a lost race', async () => {
  const issued = await login();
  await signIn.refresh(issued.refreshToken, client);
  // Simulate a broken compare-and-set: the parent looks unused again although its child exists.
  await t.prisma.refreshToken.update({ where: { id: idOf(issued.refreshToken) }, data: { usedAt: null } });
  const outcome = await t.module.get(RefreshTokensRepository).rotate({
    sessionId: issued.session.id,
    tokenId: idOf(issued.refreshToken),
    now: t.clock.now(),
    idleExpiresAt: new Date(t.clock.now().getTime() + 3600_000),
    child: { id: crypto.randomUUID(), secretHash: Buffer.alloc(32), expiresAt: t.clock.now() },
  });
  expect(outcome).toEqual({ kind: 'already_used' });
  expect(await t.prisma.refreshToken.count({ where: { parentId: idOf(issued.refreshToken) } })).toBe(1);
  expect((await t.prisma.refreshToken.findUniqueOrThrow({ where: { id: idOf(issued.refreshToken) } })).usedAt).toBeNull();
});

test('20 concurrent rotations of one token: one child, one identical answer for all', async () => {
  const issued = await login();
  const results = await Promise.all(Array.from({ length: 20 }, () => signIn.refresh(issued.refreshToken, client)));
  expect(new Set(results.map((result) => result.refreshToken)).size).toBe(1);
  expect(await t.prisma.refreshToken.count({ where: { parentId: idOf(issued.refreshToken) } })).toBe(1);
  expect((await t.prisma.session.findUniqueOrThrow({ where: { id: issued.session.id } })).revokedAt).toBeNull();
});

test('many families rotating at once under contention: no errors, one child per token', async () => {
  const families = await Promise.all(Array.from({ length: 10 }, () => login()));
  const rounds = await Promise.all(
    families.map((family) => Promise.all(Array.from({ length: 4 }, () => signIn.refresh(family.refreshToken, client)))),
  );
  for (const [index, family] of families.entries()) {
    expect(new Set(rounds[index]!.map((result) => result.refreshToken)).size).toBe(1);
    expect(await t.prisma.refreshToken.count({ where: { sessionId: family.session.id } })).toBe(2);
  }
});

test('a replay after the grace window racing the legitimate holder\'s rotation ends the family either way', async () => {
  const issued = await login();
  const child = await signIn.refresh(issued.refreshToken, client);
  t.clock.advanceSeconds(11);
  const [legit, stolen] = await Promise.allSettled([
    signIn.refresh(child.refreshToken, client),
    signIn.refresh(issued.refreshToken, client),
  ]);
  expect(stolen.status).toBe('rejected');
  expect(((stolen as PromiseRejectedResult).reason as AppError).code).toBe('refresh_token_reused');
  if (legit.status === 'rejected') expect(['session_revoked', 'refresh_token_reused']).toContain((legit.reason as AppError).code);
  const session = await t.prisma.session.findUniqueOrThrow({ where: { id: issued.session.id } });
  expect(session.revokedAt).not.toBeNull();
  expect(await t.prisma.refreshToken.count({ where: { sessionId: session.id, revokedAt: null } })).toBe(0);
});

test('logout-all racing refreshes of several sessions: no deadlock, everything revoked', async () => {
  const email = uniqueEmail();
  await users.register(email, PASSWORD, TEST_CLIENT);
  const logins = await Promise.all(Array.from({ length: 5 }, () => signIn.login(email, PASSWORD, client)));
  const userId = logins[0]!.user.id;
  const outcomes = await Promise.allSettled([
    ...logins.map((issued) => signIn.refresh(issued.refreshToken, client)),
    sessions.logoutAll(userId, client),
    ...logins.map((issued) => signIn.refresh(issued.refreshToken, client)),
  ]);
  for (const outcome of outcomes) {
    if (outcome.status === 'rejected') {
      expect(outcome.reason).toBeInstanceOf(AppError);
      expect(['session_revoked']).toContain((outcome.reason as AppError).code);
    }
  }
  expect(await t.prisma.session.count({ where: { userId, revokedAt: null } })).toBe(0);
  for (const issued of logins) await expectAppError(signIn.refresh(issued.refreshToken, client), 'session_revoked');
});

describe('grace window of 0 seconds', () => {
  let strict: TestContext;
  beforeAll(async () => {
    strict = await startTestContext({ env: { REFRESH_GRACE_SECONDS: '0' } });
  });
  afterAll(() => strict?.close());

  test('any second use is reuse', async () => {
    const strictSessions = strict.module.get(SignInService);
    const email = uniqueEmail();
    await strict.module.get(UsersService).register(email, PASSWORD, TEST_CLIENT);
    const issued = await strictSessions.login(email, PASSWORD, client);
    await strictSessions.refresh(issued.refreshToken, client);
    strict.clock.advance(1);
    await expectAppError(strictSessions.refresh(issued.refreshToken, client), 'refresh_token_reused');
  });
});
