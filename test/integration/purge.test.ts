import { PurgeService } from '../../src/retention/retention.service.js';
import { SessionsService } from '../../src/sessions/sessions.service.js';
import { SignInService } from '../../src/sign-in/sign-in.service.js';
import { UsersService } from '../../src/users/users.service.js';
import { startTestContext, type TestContext } from '../helpers/app.js';
import { PASSWORD, uniqueEmail, TEST_CLIENT } from '../helpers/users.js';

let t: TestContext;
beforeAll(async () => {
  t = await startTestContext({
    env: { RETENTION_DAYS: '30', AUDIT_RETENTION_DAYS: '90', PURGE_BATCH_SIZE: '2', SESSION_IDLE_TTL_SECONDS: '86400', SESSION_ABSOLUTE_TTL_SECONDS: '172800' },
  });
});
afterAll(() => t?.close());

const DAY = 24 * 3600;
const client = TEST_CLIENT;

test('deletes sessions that ended before the retention period, in batches, and leaves the rest', async () => {
  const users = t.module.get(UsersService);
  const sessions = t.module.get(SessionsService);
  const signIn = t.module.get(SignInService);
  const email = uniqueEmail();
  await users.register(email, PASSWORD, TEST_CLIENT);

  const old = await Promise.all(Array.from({ length: 5 }, () => signIn.login(email, PASSWORD, client)));
  await signIn.refresh(old[0]!.refreshToken, client);
  await sessions.logout({ refreshToken: old[1]!.refreshToken }, client);
  t.clock.advanceSeconds(40 * DAY);
  const recentlyRevoked = await signIn.login(email, PASSWORD, client);
  await sessions.logout({ refreshToken: recentlyRevoked.refreshToken }, client);
  const live = await signIn.login(email, PASSWORD, client);

  const progress: number[] = [];
  const result = await t.module.get(PurgeService).run(({ table, deletedSoFar }) => {
    if (table === 'sessions') progress.push(deletedSoFar);
  });

  expect(result.sessionsDeleted).toBe(5);
  expect(progress).toEqual([2, 4, 5]);
  expect(result.batches).toBeGreaterThanOrEqual(4);
  const remaining = await t.prisma.session.findMany({ select: { id: true } });
  expect(remaining.map((row) => row.id).sort()).toEqual([recentlyRevoked.session.id, live.session.id].sort());
  expect(await t.prisma.refreshToken.count({ where: { sessionId: old[0]!.session.id } })).toBe(0);
  await expect(signIn.refresh(live.refreshToken, client)).resolves.toMatchObject({ session: { id: live.session.id } });

  t.clock.advanceSeconds(100 * DAY);
  const later = await t.module.get(PurgeService).run();
  expect(later.auditEventsDeleted).toBeGreaterThan(0);
  expect(await t.prisma.auditEvent.count({ where: { occurredAt: { lt: new Date(t.clock.now().getTime() - 90 * DAY * 1000) } } })).toBe(0);
});
