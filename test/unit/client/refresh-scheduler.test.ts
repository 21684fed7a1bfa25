import {
  createRefreshScheduler,
  localDeadline,
  MIN_REFRESH_DELAY_MS,
  MIN_RETRY_DELAY_MS,
  refreshDelay,
} from '../../../client/src/refresh-scheduler.js';
import { FakeClock } from './fake-browser.js';

const HOUR = 3_600_000;

describe('refreshDelay', () => {
  test('at 80 % of the remaining lifetime, but at most a minute early', () => {
    expect(refreshDelay(4_000, 0)).toBe(3_200);
    expect(refreshDelay(600_000, 0)).toBe(540_000);
  });

  test('jitter takes up to a further 10 % of the lifetime off', () => {
    expect(refreshDelay(4_000, 0.5)).toBe(3_000);
    expect(refreshDelay(600_000, 0.999)).toBeCloseTo(480_060, 0);
  });

  test('never sooner than a second, also for an expired token or an expiry that made no sense', () => {
    expect(refreshDelay(500, 0)).toBe(MIN_REFRESH_DELAY_MS);
    expect(refreshDelay(-30_000, 0.9)).toBe(MIN_REFRESH_DELAY_MS);
    expect(refreshDelay(Number.NaN, 0)).toBe(MIN_REFRESH_DELAY_MS);
  });
});

describe('localDeadline', () => {
  const local = Date.UTC(2030, 0, 1, 12);

  test.each([
    ['an hour ahead', HOUR],
    ['an hour behind', -HOUR],
    ['in step', 0],
  ])("measures the lifetime on the server's Date header when its clock is %s", (_, skew) => {
    const serverNow = local + skew;
    const expiresAt = new Date(serverNow + 600_000).toISOString();
    expect(localDeadline(expiresAt, new Date(serverNow).toUTCString(), local)).toBe(local + 600_000);
  });

  test('without a Date header, the local clock is all there is', () => {
    expect(localDeadline(new Date(local + 600_000).toISOString(), null, local)).toBe(local + 600_000);
  });
});

describe('the scheduler', () => {
  function scheduler(random = 0) {
    const clock = new FakeClock();
    const firedAt: number[] = [];
    const start = clock.now();
    const scheduled = createRefreshScheduler(() => firedAt.push(clock.now() - start), { now: clock.now, random: () => random, setTimer: clock.setTimer });
    return { clock, firedAt, start, scheduled };
  }

  test('one timer: arming again replaces the armed refresh', async () => {
    const { clock, firedAt, start, scheduled } = scheduler();
    scheduled.refreshBefore(start + 600_000);
    scheduled.refreshBefore(start + 4_000);
    await clock.advance(HOUR);
    expect(firedAt).toEqual([3_200]);
  });

  test("a retry waits for the server's Retry-After, and at least five seconds", async () => {
    const { clock, firedAt, scheduled } = scheduler();
    scheduled.retryLater(30_000);
    await clock.advance(29_999);
    expect(firedAt).toEqual([]);
    await clock.advance(1);
    expect(firedAt).toEqual([30_000]);

    scheduled.retryLater();
    await clock.advance(HOUR);
    expect(firedAt).toEqual([30_000, 30_000 + MIN_RETRY_DELAY_MS]);
  });

  test('cancel disarms', async () => {
    const { clock, firedAt, start, scheduled } = scheduler();
    scheduled.refreshBefore(start + 4_000);
    scheduled.cancel();
    await clock.advance(HOUR);
    expect(firedAt).toEqual([]);
  });
});
