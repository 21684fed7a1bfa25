import type { AuditEntry } from '../../src/audit/audit-entry.js';
import type { AuditWriter } from '../../src/audit/audit.writer.js';
import { FailedLoginAudit } from '../../src/sign-in/failed-login-audit.js';
import type { UsersService } from '../../src/users/users.service.js';
import { FakeClock } from '../helpers/fake-clock.js';

/** The limits of the login_failed events, with the audit writer and the user lookup replaced by recorders. */
function setup(knownEmails: string[] = []) {
  const written: AuditEntry[] = [];
  const users = { findByEmail: async (email: string) => (knownEmails.includes(email) ? { id: `id-of-${email}` } : null) } as unknown as UsersService;
  const audit = { recordAlone: async (entry: AuditEntry) => void written.push(entry) } as unknown as AuditWriter;
  const clock = new FakeClock();
  return { written, clock, failures: new FailedLoginAudit(users, audit, clock) };
}

const from = (ip: string) => ({ ip, userAgent: 'guesser/1.0', origin: 'http' as const });

test('a run over many unknown accounts from many addresses writes at most 100 events per instance per 10 minutes', async () => {
  const { written, clock, failures } = setup();
  for (let i = 0; i < 250; i++) await failures.record(`nobody${i}@example.test`, from(`198.51.100.${i % 250}`));
  expect(written).toHaveLength(100);
  clock.advanceSeconds(10 * 60);
  // This address's earlier failure came after the cap: its next event says one was left out.
  await failures.record('nobody@example.test', from('198.51.100.200'));
  expect(written).toHaveLength(101);
  expect(written.at(-1)!.data).toEqual({ reason: 'unknown_account', suppressedBefore: 1 });
});

test('one account from many addresses: 5 events per window, then the count of those left out', async () => {
  const { written, clock, failures } = setup(['ann@example.test']);
  for (let i = 0; i < 12; i++) await failures.record('ann@example.test', from(`203.0.113.${i}`));
  expect(written.map((entry) => entry.userId)).toEqual(Array(5).fill('id-of-ann@example.test'));
  clock.advanceSeconds(10 * 60);
  await failures.record('ann@example.test', from('203.0.113.99'));
  expect(written.at(-1)).toMatchObject({ type: 'login_failed', actor: 'anonymous', ip: '203.0.113.99', data: { reason: 'wrong_password', suppressedBefore: 7 } });
});
