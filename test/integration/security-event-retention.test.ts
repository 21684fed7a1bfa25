import { Metrics } from '../../src/metrics/metrics.js';
import { PurgeService } from '../../src/retention/retention.service.js';
import { SessionsService } from '../../src/sessions/sessions.service.js';
import { PollDelivery } from '../../src/shared-signals/poll-delivery.service.js';
import { StreamsService } from '../../src/shared-signals/streams.service.js';
import { SignInService } from '../../src/sign-in/sign-in.service.js';
import { UsersService } from '../../src/users/users.service.js';
import { startTestContext, type TestContext } from '../helpers/app.js';
import { parsePrometheus } from '../helpers/prometheus.js';
import { PASSWORD, TEST_CLIENT, uniqueEmail } from '../helpers/users.js';

/** The purge's share of SSF: delivered events after a day, undelivered ones after SSF_EVENT_RETENTION_DAYS (logged), quiet streams after SSF_STREAM_INACTIVITY_DAYS. */
const DAY_MS = 24 * 60 * 60 * 1000;
const client = TEST_CLIENT;
let t: TestContext;

beforeAll(async () => {
  t = await startTestContext({ captureLogs: true, env: { SSF_EVENT_RETENTION_DAYS: '3', SSF_STREAM_INACTIVITY_DAYS: '5', PURGE_BATCH_SIZE: '2' } });
});
afterAll(() => t?.close());

async function revokeSessions(count: number): Promise<void> {
  const email = uniqueEmail('retention');
  await t.module.get(UsersService).register(email, PASSWORD, TEST_CLIENT);
  const logins = await Promise.all(Array.from({ length: count }, () => t.module.get(SignInService).login(email, PASSWORD, client)));
  await t.module.get(SessionsService).logoutAll(logins[0]!.user.id, client);
}

test('delivered events go a day after delivery; undelivered ones after their own retention, said per stream in the log; quiet streams go with their events', async () => {
  const streams = t.module.get(StreamsService);
  const polled = await streams.create('retention-a', {});
  const neglected = await streams.create('retention-b', {});
  await revokeSessions(3);
  // The first stream's receiver reads and acknowledges everything; the second never polls.
  const { sets } = await t.module.get(PollDelivery).poll('retention-a', polled.stream_id, { returnImmediately: true });
  await t.module.get(PollDelivery).poll('retention-a', polled.stream_id, { returnImmediately: true, ack: Object.keys(sets), maxEvents: 0 });
  expect(Object.keys(sets)).toHaveLength(3);

  t.clock.advance(DAY_MS + 1000);
  const afterADay = await t.module.get(PurgeService).run();
  expect(afterADay.securityEventsDeleted).toBe(3);
  expect(await t.prisma.ssfEvent.count({ where: { streamId: polled.stream_id } })).toBe(0);
  expect(await t.prisma.ssfEvent.count({ where: { streamId: neglected.stream_id } })).toBe(3);

  // The first receiver keeps polling (its stream stays active); the second never shows up.
  t.clock.advance(2 * DAY_MS);
  await t.module.get(PollDelivery).poll('retention-a', polled.stream_id, { returnImmediately: true });
  const afterThreeDays = await t.module.get(PurgeService).run();
  expect(afterThreeDays).toMatchObject({ securityEventsDeleted: 3, streamsDeleted: 0 });
  expect(parsePrometheus((await t.module.get(Metrics).exposition()).body).get('auth_ssf_events_expired_total')).toBe(3);
  const expired = t.logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.event === 'ssf_events_expired');
  expect(expired).toEqual([expect.objectContaining({ streamId: neglected.stream_id, waiting: 2, deadLettered: 0, retentionDays: 3 }), expect.objectContaining({ streamId: neglected.stream_id, waiting: 1 })]);

  t.clock.advance(2 * DAY_MS + 1000);
  const afterFiveDays = await t.module.get(PurgeService).run();
  expect(afterFiveDays.streamsDeleted).toBe(1);
  expect((await t.prisma.ssfStream.findMany({ select: { id: true } })).map((row) => row.id)).toEqual([polled.stream_id]);
  expect(t.logs.some((line) => line.includes('"event":"ssf_stream_expired"') && line.includes(neglected.stream_id))).toBe(true);
});
