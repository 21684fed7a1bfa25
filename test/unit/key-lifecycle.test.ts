import { dueKeyStep, type LifecycleKey, publicationLeadMs, retiredPublishUntil } from '../../src/tokens/key-lifecycle.js';

const DAY = 24 * 60 * 60 * 1000;
const SETTINGS = { jwksMaxAgeSeconds: 300, jwksStaleWhileRevalidateSeconds: 60, accessTtlSeconds: 600, rotationIntervalDays: 30 };
const LEAD = publicationLeadMs(SETTINGS);
const T0 = Date.UTC(2026, 0, 1);
const at = (ms: number) => new Date(T0 + ms);

function key(kid: string, state: LifecycleKey['state'], createdAt: number, extra: Partial<LifecycleKey> = {}): LifecycleKey {
  return { kid, state, createdAt: at(createdAt), activatedAt: state === 'current' ? at(createdAt) : null, publishUntil: null, ...extra };
}

test('the lead time is a key re-read, a whole JWKS cache lifetime and a margin', () => {
  expect(LEAD).toBe((60 + 300 + 60 + 60) * 1000);
  expect(publicationLeadMs({ ...SETTINGS, jwksMaxAgeSeconds: 3600, jwksStaleWhileRevalidateSeconds: 600 })).toBe((60 + 3600 + 600 + 60) * 1000);
  expect(retiredPublishUntil(at(0), SETTINGS)).toEqual(at((600 + 120) * 1000));
});

test('a successor is staged one lead time before the current key is due, not earlier', () => {
  const keys = [key('a', 'current', 0)];
  expect(dueKeyStep(keys, at(30 * DAY - LEAD - 1), SETTINGS)).toBeNull();
  expect(dueKeyStep(keys, at(30 * DAY - LEAD), SETTINGS)).toEqual({ kind: 'stage' });
});

test('a staged key is promoted only when both the current key is due and the successor has been published a lead time', () => {
  const early = [key('a', 'current', 0), key('b', 'next', 30 * DAY - LEAD)];
  expect(dueKeyStep(early, at(30 * DAY - 1), SETTINGS)).toBeNull();
  expect(dueKeyStep(early, at(30 * DAY), SETTINGS)).toEqual({ kind: 'promote', kid: 'b' });
  // Staged late (by hand, or after an outage): the lead time still counts from its publication.
  const late = [key('a', 'current', 0), key('b', 'next', 40 * DAY)];
  expect(dueKeyStep(late, at(40 * DAY + LEAD - 1), SETTINGS)).toBeNull();
  expect(dueKeyStep(late, at(40 * DAY + LEAD), SETTINGS)).toEqual({ kind: 'promote', kid: 'b' });
});

test('a retired key expires at its publishUntil, before any other step, with the schedule on or off', () => {
  const keys = [key('a', 'current', 0), key('old', 'retired', -DAY, { publishUntil: at(DAY) }), key('b', 'next', 0)];
  expect(dueKeyStep(keys, at(DAY - 1), { ...SETTINGS, rotationIntervalDays: 0 })).toBeNull();
  expect(dueKeyStep(keys, at(DAY), { ...SETTINGS, rotationIntervalDays: 0 })).toEqual({ kind: 'expire', kid: 'old' });
  expect(dueKeyStep(keys, at(400 * DAY), SETTINGS)).toEqual({ kind: 'expire', kid: 'old' });
});

test('with the schedule off, or no current key, nothing is staged or promoted', () => {
  expect(dueKeyStep([key('a', 'current', 0)], at(400 * DAY), { ...SETTINGS, rotationIntervalDays: 0 })).toBeNull();
  expect(dueKeyStep([key('b', 'next', 0)], at(400 * DAY), SETTINGS)).toBeNull();
  expect(dueKeyStep([key('a', 'current', 0), key('w', 'withdrawn', 0, { publishUntil: at(0) })], at(DAY), SETTINGS)).toBeNull();
});
