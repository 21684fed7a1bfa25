import { AccountDeletionService } from '../../src/account/account-deletion.service.js';
import { PasswordChangeService } from '../../src/account/password-change.service.js';
import { AUDIT_EVENT } from '../../src/audit/audit-entry.js';
import { AppError } from '../../src/common/app-error.js';
import type { ClientInfo } from '../../src/common/client-info.js';
import { REVOKE_REASON, SessionRevoker } from '../../src/sessions/session-revoker.js';
import { SessionsService } from '../../src/sessions/sessions.service.js';
import { SignInService } from '../../src/sign-in/sign-in.service.js';
import { UsersRepository } from '../../src/users/users.repository.js';
import { UsersService } from '../../src/users/users.service.js';
import { startTestContext, type TestContext } from '../helpers/app.js';
import { PASSWORD, uniqueEmail } from '../helpers/users.js';

/**
 * The account changes and the sessions they end commit together, and a
 * login racing a password change or a deletion never keeps a session that
 * the old password opened.
 */

const client: ClientInfo = { ip: '203.0.113.9', userAgent: 'integration-test', origin: 'http' };
const NEW_PASSWORD = 'a brand new passphrase';
let t: TestContext;

beforeAll(async () => {
  t = await startTestContext();
});
afterAll(() => t?.close());

async function signedInUser() {
  const email = uniqueEmail();
  await t.module.get(UsersService).register(email, PASSWORD, client);
  const issued = await t.module.get(SignInService).login(email, PASSWORD, client);
  return { email, userId: issued.user.id, actor: { userId: issued.user.id, sessionId: issued.session.id, client } };
}

/** Resolves once a statement of this database waits for a row lock (another transaction holds it). */
async function someoneWaitsForALock(): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const [row] = await t.prisma.$queryRaw<Array<{ waiting: bigint }>>`
      SELECT count(*) AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`;
    if (row!.waiting > 0n) return;
    if (Date.now() > deadline) throw new Error('no statement started waiting for a lock');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('a login that checked the old password and opens its session after the change gets none', async () => {
  const { email, actor } = await signedInUser();
  const verified = await t.module.get(UsersService).verifyCredentials(email, PASSWORD);

  await t.module.get(PasswordChangeService).change(actor, PASSWORD, NEW_PASSWORD);

  expect(await t.module.get(SessionsService).start(verified.user, client, verified.stillValid)).toBeNull();
  expect(await t.prisma.session.count({ where: { userId: actor.userId, revokedAt: null } })).toBe(1);
});

test('the same after the account was deleted', async () => {
  const { email, actor } = await signedInUser();
  const verified = await t.module.get(UsersService).verifyCredentials(email, PASSWORD);

  await t.module.get(AccountDeletionService).delete(actor, PASSWORD);

  expect(await t.module.get(SessionsService).start(verified.user, client, verified.stillValid)).toBeNull();
  expect(await t.prisma.session.count({ where: { userId: actor.userId, revokedAt: null } })).toBe(0);
});

test('a login whose session is being opened when the password changes: the change waits for it, then ends it with the others', async () => {
  const { email, actor } = await signedInUser();
  const verified = await t.module.get(UsersService).verifyCredentials(email, PASSWORD);
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let holding!: () => void;
  const held = new Promise<void>((resolve) => (holding = resolve));

  const login = t.module.get(SessionsService).start(verified.user, client, async (tx) => {
    const valid = await verified.stillValid(tx);
    holding();
    await gate;
    return valid;
  });
  await held;
  const change = t.module.get(PasswordChangeService).change(actor, PASSWORD, NEW_PASSWORD);
  await someoneWaitsForALock();
  open();

  const family = await login;
  expect(family).not.toBeNull();
  expect(await change).toBe(1);
  const racer = await t.prisma.session.findUniqueOrThrow({ where: { id: family!.session.id } });
  expect(racer.revokeReason).toBe(REVOKE_REASON.passwordChanged);
  expect((await t.prisma.session.findUniqueOrThrow({ where: { id: actor.sessionId } })).revokedAt).toBeNull();
});

test("a login's re-hash that loses to a password change does not bring the old password back", async () => {
  const { userId } = await signedInUser();
  const users = t.module.get(UsersRepository);
  const old = (await users.findCredentialsById(userId))!.passwordHash;
  // A password change commits after the login read `old` and before its re-hash is stored.
  const changedMeanwhile = '$argon2id$v=19$m=256,t=1,p=1$changed$meanwhile';
  await t.prisma.user.update({ where: { id: userId }, data: { passwordHash: changedMeanwhile } });

  expect(await users.replacePasswordHash({ id: userId, expectedHash: old, passwordHash: '$argon2id$rehash-of-the-old', now: new Date() })).toBe(false);
  expect((await t.prisma.user.findUniqueOrThrow({ where: { id: userId } })).passwordHash).toBe(changedMeanwhile);
});

test('an account change that throws rolls back the revocation with it: nothing ended, nothing audited', async () => {
  const { email, actor } = await signedInUser();
  await t.module.get(SignInService).login(email, PASSWORD, client);
  const before = await t.prisma.user.findUniqueOrThrow({ where: { id: actor.userId } });
  const audit = await t.prisma.auditEvent.count({ where: { userId: actor.userId } });

  const attempt = t.module.get(SessionRevoker).revokeAllForUserWith(
    actor.userId,
    REVOKE_REASON.passwordChanged,
    { type: AUDIT_EVENT.passwordChanged, actor: actor.userId, client },
    async (tx) => {
      await t.module.get(UsersRepository).replacePasswordHash({ id: actor.userId, expectedHash: before.passwordHash, passwordHash: 'x', now: new Date() }, tx);
      throw new AppError('invalid_credentials');
    },
  );
  await expect(attempt).rejects.toMatchObject({ code: 'invalid_credentials' });

  expect((await t.prisma.user.findUniqueOrThrow({ where: { id: actor.userId } })).passwordHash).toBe(before.passwordHash);
  expect(await t.prisma.session.count({ where: { userId: actor.userId, revokedAt: null } })).toBe(2);
  expect(await t.prisma.auditEvent.count({ where: { userId: actor.userId } })).toBe(audit);
});

test('two deletions at once: one deletes, the other is refused, one audit event', async () => {
  const { actor } = await signedInUser();
  const deletion = t.module.get(AccountDeletionService);

  const results = await Promise.allSettled([deletion.delete(actor, PASSWORD), deletion.delete(actor, PASSWORD)]);
  expect(results.map((result) => result.status).sort()).toEqual(['fulfilled', 'rejected']);
  const refusal = results.find((result) => result.status === 'rejected') as PromiseRejectedResult;
  expect(['session_revoked', 'invalid_credentials']).toContain((refusal.reason as AppError).code);
  expect(await t.prisma.auditEvent.count({ where: { userId: actor.userId, type: 'account_deleted' } })).toBe(1);
});
