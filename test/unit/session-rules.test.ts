import {
  decideOnUsedToken,
  nextIdleExpiry,
  presentedTokenState,
  sessionState,
  type SessionTimes,
  type UsedTokenFacts,
} from '../../src/sessions/session-rules.js';

const T0 = new Date('2030-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const SECOND = 1000;
const DAY = 24 * 60 * 60 * SECOND;

function session(overrides: Partial<SessionTimes> = {}): SessionTimes {
  return { revokedAt: null, idleExpiresAt: at(14 * DAY), absoluteExpiresAt: at(30 * DAY), ...overrides };
}

describe('sessionState', () => {
  test('a session before both expiries and not revoked is active', () => {
    expect(sessionState(session(), at(DAY))).toBe('active');
  });

  test('a revoked session is revoked even before its expiries', () => {
    expect(sessionState(session({ revokedAt: at(0) }), at(SECOND))).toBe('revoked');
  });

  test('revocation wins over expiry', () => {
    expect(sessionState(session({ revokedAt: at(0) }), at(60 * DAY))).toBe('revoked');
  });

  test('a session past its idle expiry is expired although the absolute expiry is far', () => {
    expect(sessionState(session(), at(15 * DAY))).toBe('expired');
  });

  test('a session past its absolute expiry is expired even if the idle expiry were later', () => {
    expect(sessionState(session({ idleExpiresAt: at(40 * DAY) }), at(31 * DAY))).toBe('expired');
  });

  test('one millisecond before the idle expiry the session is still active', () => {
    expect(sessionState(session(), at(14 * DAY - 1))).toBe('active');
  });

  test('at exactly the idle expiry instant the session is expired', () => {
    expect(sessionState(session(), at(14 * DAY))).toBe('expired');
  });

  test('one millisecond before the absolute expiry the session is still active', () => {
    const s = session({ idleExpiresAt: at(30 * DAY), absoluteExpiresAt: at(30 * DAY) });
    expect(sessionState(s, at(30 * DAY - 1))).toBe('active');
  });

  test('at exactly the absolute expiry instant the session is expired', () => {
    const s = session({ idleExpiresAt: at(40 * DAY), absoluteExpiresAt: at(30 * DAY) });
    expect(sessionState(s, at(30 * DAY))).toBe('expired');
  });
});

describe('nextIdleExpiry', () => {
  test('is now plus the idle lifetime when that is before the absolute expiry', () => {
    expect(nextIdleExpiry(at(0), 14 * 24 * 3600, at(30 * DAY))).toEqual(at(14 * DAY));
  });

  test('is capped at the absolute expiry when now plus the idle lifetime is later', () => {
    expect(nextIdleExpiry(at(20 * DAY), 14 * 24 * 3600, at(30 * DAY))).toEqual(at(30 * DAY));
  });

  test('equals the absolute expiry when both coincide', () => {
    expect(nextIdleExpiry(at(16 * DAY), 14 * 24 * 3600, at(30 * DAY))).toEqual(at(30 * DAY));
  });

  test('never goes past the absolute expiry even when called after it', () => {
    expect(nextIdleExpiry(at(31 * DAY), 300, at(30 * DAY)).getTime()).toBeLessThanOrEqual(at(30 * DAY).getTime());
  });
});

describe('decideOnUsedToken', () => {
  const CHILD_ID = '3f1c7a52-9d4e-4b8a-8f21-6a0c5e7d9b13';
  const usedAt = at(0);
  function facts(child: UsedTokenFacts['child'] = { id: CHILD_ID, usedAt: null, revokedAt: null }): UsedTokenFacts {
    return { usedAt, child };
  }

  test('inside the grace window with an unused, unrevoked child: replay of that same child', () => {
    expect(decideOnUsedToken(facts(), at(2 * SECOND), 10)).toEqual({ kind: 'replay', childId: CHILD_ID });
  });

  test('inside the grace window but the child has been used already: reuse', () => {
    expect(decideOnUsedToken(facts({ id: CHILD_ID, usedAt: at(SECOND), revokedAt: null }), at(2 * SECOND), 10)).toEqual({
      kind: 'reuse',
    });
  });

  test('inside the grace window but the child has been revoked: reuse', () => {
    expect(decideOnUsedToken(facts({ id: CHILD_ID, usedAt: null, revokedAt: at(SECOND) }), at(2 * SECOND), 10)).toEqual({
      kind: 'reuse',
    });
  });

  test('after the grace window with an unused child: reuse', () => {
    expect(decideOnUsedToken(facts(), at(11 * SECOND), 10)).toEqual({ kind: 'reuse' });
  });

  test('at exactly graceSeconds after first use: still a replay (the window is inclusive)', () => {
    expect(decideOnUsedToken(facts(), at(10 * SECOND), 10)).toEqual({ kind: 'replay', childId: CHILD_ID });
  });

  test('one millisecond after graceSeconds: reuse', () => {
    expect(decideOnUsedToken(facts(), at(10 * SECOND + 1), 10)).toEqual({ kind: 'reuse' });
  });

  test('grace 0: a second use one millisecond later is reuse', () => {
    expect(decideOnUsedToken(facts(), at(1), 0)).toEqual({ kind: 'reuse' });
  });

  test('grace 0: a second use one second later is reuse', () => {
    expect(decideOnUsedToken(facts(), at(SECOND), 0)).toEqual({ kind: 'reuse' });
  });

  test('grace 0: even a second use in the same millisecond is reuse (no window at all)', () => {
    expect(decideOnUsedToken(facts(), at(0), 0)).toEqual({ kind: 'reuse' });
  });

  test('a used token whose child is gone (null) is reuse even inside the window', () => {
    expect(decideOnUsedToken(facts(null), at(SECOND), 10)).toEqual({ kind: 'reuse' });
  });

  test('the maximum grace of 60 s replays at 60 s and not at 61 s', () => {
    expect(decideOnUsedToken(facts(), at(60 * SECOND), 60).kind).toBe('replay');
    expect(decideOnUsedToken(facts(), at(61 * SECOND), 60).kind).toBe('reuse');
  });
});

describe('presentedTokenState', () => {
  const token = (overrides: { usedAt?: Date | null; revokedAt?: Date | null; expiresAt?: Date; session?: SessionTimes } = {}) => ({
    usedAt: null,
    revokedAt: null,
    expiresAt: at(14 * DAY),
    session: session({ idleExpiresAt: at(20 * DAY) }),
    ...overrides,
  });

  test('an unused token past its own expiry is expired', () => {
    expect(presentedTokenState(token(), at(15 * DAY))).toBe('expired');
  });

  test('a used token past its own expiry, in a live session, goes on to the reuse decision', () => {
    expect(presentedTokenState(token({ usedAt: at(DAY) }), at(15 * DAY))).toBe('active');
  });

  test("the session's end wins, used or not", () => {
    expect(presentedTokenState(token({ usedAt: at(DAY) }), at(21 * DAY))).toBe('expired');
    expect(presentedTokenState(token({ usedAt: at(DAY), revokedAt: at(2 * DAY) }), at(3 * DAY))).toBe('revoked');
    expect(presentedTokenState(token({ session: session({ revokedAt: at(DAY) }) }), at(2 * DAY))).toBe('revoked');
  });
});
