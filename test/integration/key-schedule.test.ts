import { AUDIT_EVENT } from '../../src/audit/audit-entry.js';
import { AppError } from '../../src/common/app-error.js';
import { publicationLeadMs } from '../../src/tokens/key-lifecycle.js';
import { KeySchedule } from '../../src/tokens/key-schedule.service.js';
import { SigningKeysService } from '../../src/tokens/signing-keys.service.js';
import { startTestContext, type TestContext } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

/**
 * The key lifecycle driven by the clock alone, with two instances on one
 * database: at each step both run the schedule at once, exactly one acts,
 * and both sign and verify with the right keys once they have re-read them.
 */
const DAY_MS = 24 * 60 * 60 * 1000;
const SETTINGS = { JWKS_MAX_AGE_SECONDS: '300', JWKS_STALE_WHILE_REVALIDATE_SECONDS: '60', ACCESS_TOKEN_TTL_SECONDS: '600', SIGNING_KEY_ROTATION_DAYS: '30' };
const ADMIN = { id: 'ops', client: { ip: '10.0.0.1', userAgent: 'test', origin: 'http' } } as const;

let database: TestDatabase;
let a: TestContext;
let b: TestContext;
let start: number;

async function startInstances(env: Record<string, string>) {
  database = await createTestDatabase();
  a = await startTestContext({ database, env, captureLogs: true });
  b = await startTestContext({ database, env, captureLogs: true });
  start = (await a.prisma.signingKey.findFirstOrThrow({ where: { state: 'current' } })).activatedAt!.getTime();
}

afterEach(async () => {
  await a?.close();
  await b?.close();
  await database?.drop();
});

/** Both instances' clocks at `start + offsetMs`. */
function at(offsetMs: number): void {
  a.clock.reset(new Date(start + offsetMs));
  b.clock.reset(new Date(start + offsetMs));
}

/** Both instances run the schedule at the same moment; returns every step taken, by either. */
async function tick() {
  const [fromA, fromB] = await Promise.all([a.module.get(KeySchedule).runDueSteps(), b.module.get(KeySchedule).runDueSteps()]);
  return [...fromA, ...fromB];
}

/** Each instance's periodic re-read of the keys. */
async function reloadBoth() {
  await Promise.all([a.module.get(SigningKeysService).reload(), b.module.get(SigningKeysService).reload()]);
}

/** Every key's state, by kid. */
async function states(): Promise<Record<string, string>> {
  const rows = await a.prisma.signingKey.findMany();
  return Object.fromEntries(rows.map((row) => [row.kid, row.state]));
}

const keysOf = (context: TestContext) => context.module.get(SigningKeysService);
const published = (context: TestContext) => keysOf(context).jwks().keys.map((key) => key.kid);
const events = (type: string) => a.prisma.auditEvent.findMany({ where: { type }, orderBy: { id: 'asc' } });
const logLines = (context: TestContext, event: string) => context.logs.map((line) => JSON.parse(line)).filter((line) => line.event === event);

test('every state of a scheduled rotation, two instances on one database: each step taken once, audited and logged', async () => {
  await startInstances(SETTINGS);
  const lead = publicationLeadMs({ jwksMaxAgeSeconds: 300, jwksStaleWhileRevalidateSeconds: 60, accessTtlSeconds: 600, rotationIntervalDays: 30 });
  expect(lead).toBe((60 + 300 + 60 + 60) * 1000);
  const first = Object.keys(await states())[0]!;

  // Not yet: the successor is published one lead time before the 30 days are up.
  at(30 * DAY_MS - lead - 1);
  expect(await tick()).toEqual([]);

  at(30 * DAY_MS - lead);
  const staged = await tick();
  expect(staged).toEqual([{ kind: 'stage', kid: expect.any(String) }]);
  const second = staged[0]!.kid;
  expect(await states()).toEqual({ [first]: 'current', [second]: 'next' });
  await reloadBoth();
  for (const instance of [a, b]) {
    expect(published(instance).sort()).toEqual([first, second].sort());
    expect(keysOf(instance).signingKey().kid).toBe(first);
  }

  // Published but not signing until the 30 days are up.
  at(30 * DAY_MS - 1);
  expect(await tick()).toEqual([]);

  at(30 * DAY_MS);
  const promoted = await tick();
  expect(promoted).toEqual([{ kind: 'promote', kid: second, retired: first, publishUntil: new Date(start + 30 * DAY_MS + (600 + 120) * 1000) }]);
  expect(await states()).toEqual({ [first]: 'retired', [second]: 'current' });
  // The instance that acted signs with the new key at once; the other after its next re-read, never later.
  await reloadBoth();
  for (const instance of [a, b]) {
    expect(keysOf(instance).signingKey().kid).toBe(second);
    expect(await keysOf(instance).verificationKey(first)).toBeDefined();
  }
  const retiredRow = await a.prisma.signingKey.findUniqueOrThrow({ where: { kid: first } });
  expect(retiredRow.privateKeyCiphertext.length).toBe(0);

  // The retired key stays published until its last token has expired, plus the margin, then leaves.
  at(30 * DAY_MS + 720_000 - 1);
  expect(await tick()).toEqual([]);
  expect(published(a)).toContain(first);
  at(30 * DAY_MS + 720_000);
  expect(await tick()).toEqual([{ kind: 'expire', kid: first }]);
  await reloadBoth();
  for (const instance of [a, b]) {
    expect(published(instance)).toEqual([second]);
    expect(await keysOf(instance).verificationKey(first)).toBeUndefined();
  }
  expect(await states()).toEqual({ [first]: 'expired', [second]: 'current' });

  // The next cycle counts from the new key's activation.
  at(60 * DAY_MS - lead - 1);
  expect(await tick()).toEqual([]);
  at(60 * DAY_MS - lead);
  expect(await tick()).toEqual([{ kind: 'stage', kid: expect.any(String) }]);

  // One audit event per step, by the system, and one log line per step on whichever instance acted.
  for (const [type, count] of [[AUDIT_EVENT.keyStaged, 2], [AUDIT_EVENT.keyPromoted, 1], [AUDIT_EVENT.keyExpired, 1]] as const) {
    const recorded = await events(type);
    expect(recorded).toHaveLength(count);
    for (const event of recorded) expect(event).toMatchObject({ actor: 'system', data: expect.objectContaining({ trigger: 'schedule' }) });
    expect(logLines(a, type).length + logLines(b, type).length).toBe(count);
  }
  expect((await events(AUDIT_EVENT.keyPromoted))[0]!.data).toMatchObject({ kid: second, retired: first });
});

test('with the schedule off nothing is staged, but a retired key still leaves the JWKS on time', async () => {
  await startInstances({ ...SETTINGS, SIGNING_KEY_ROTATION_DAYS: '0' });
  const first = Object.keys(await states())[0]!;
  at(400 * DAY_MS);
  expect(await tick()).toEqual([]);

  at(0);
  const rotated = await keysOf(a).rotate(ADMIN, true);
  at(720_000);
  expect(await tick()).toEqual([{ kind: 'expire', kid: first }]);
  expect(await states()).toEqual({ [first]: 'expired', [rotated.current]: 'current' });
});

test('a key staged by hand is promoted by the schedule when the current key is due, and no second successor is staged', async () => {
  await startInstances(SETTINGS);
  at(DAY_MS);
  const staged = await keysOf(b).rotate(ADMIN, false);
  at(30 * DAY_MS);
  expect(await tick()).toEqual([expect.objectContaining({ kind: 'promote', kid: staged.next })]);
  expect(Object.values(await states()).sort()).toEqual(['current', 'retired']);
});

test('withdrawal through every state: a retired or next key leaves at once here and on the other instance by its next re-read at the latest; the current key cannot', async () => {
  await startInstances(SETTINGS);
  const first = Object.keys(await states())[0]!;
  at(0);
  const forced = await keysOf(a).rotate(ADMIN, true);
  await reloadBoth();
  expect(published(b)).toContain(first);

  await keysOf(a).withdraw(first, ADMIN);
  expect(published(a)).not.toContain(first);
  expect(await keysOf(a).verificationKey(first)).toBeUndefined();
  // The other instance drops it on the withdrawal's notice, or at its next re-read (KEY_RELOAD_INTERVAL_SECONDS) without a listener.
  await keysOf(b).reload();
  expect(published(b)).not.toContain(first);
  expect(await keysOf(b).verificationKey(first)).toBeUndefined();

  // A withdrawn key has its own state, which the schedule leaves alone: no expiry event later.
  at(720_000);
  expect(await tick()).toEqual([]);
  expect(await states()).toEqual({ [first]: 'withdrawn', [forced.current]: 'current' });

  const next = await keysOf(b).rotate(ADMIN, false);
  await keysOf(b).withdraw(next.next!, ADMIN);
  await reloadBoth();
  expect(published(a)).toEqual([forced.current]);
  await expect(keysOf(a).withdraw(forced.current, ADMIN)).rejects.toEqual(new AppError('key_is_current'));

  const withdrawn = await events(AUDIT_EVENT.keyWithdrawn);
  expect(withdrawn.map((event) => (event.data as { kid: string }).kid)).toEqual([first, next.next]);
  expect(withdrawn[0]).toMatchObject({ actor: 'ops', ip: '10.0.0.1' });
});
