import fc from 'fast-check';
import { MAX_PUSH_BACKOFF_MS, pushBackoffMs, pushLeaseMs, unitInterval } from '../../src/shared-signals/delivery-rules.js';
import { EVENT_TYPE, eventsForEndedSessions, setClaims, verificationEvent } from '../../src/shared-signals/security-events.js';
import { eventsDelivered, streamConfiguration, transmitterFieldMismatches } from '../../src/shared-signals/stream-configuration.js';

const ISSUER = 'https://auth.example.test';
const AT = new Date('2026-12-01T12:00:00.000Z');
const USER = '3f0c1a9e-0000-4000-8000-000000000001';
const SESSIONS = ['3f0c1a9e-0000-4000-8000-00000000000a', '3f0c1a9e-0000-4000-8000-00000000000b'];

describe('the events of a revocation', () => {
  test.each([
    ['logout', 'user', false],
    ['logout_all', 'user', false],
    ['refresh_token_reused', 'policy', false],
    ['admin', 'admin', false],
    ['password_changed', 'user', true],
    ['password_reset', 'user', true],
    ['account_deleted', 'user', false],
  ])('%s: session-revoked per session, initiated by %s; credential-change: %s', (reason, initiatingEntity, credentialChange) => {
    const events = eventsForEndedSessions(ISSUER, { userId: USER, sessionIds: SESSIONS, reason, at: AT });
    const revoked = events.filter((event) => event.type === EVENT_TYPE.sessionRevoked);
    expect(revoked.map((event) => event.subject)).toEqual(
      SESSIONS.map((id) => ({ format: 'complex', user: { format: 'iss_sub', iss: ISSUER, sub: USER }, session: { format: 'opaque', id } })),
    );
    for (const event of revoked) {
      expect(event.payload).toEqual({ event_timestamp: AT.getTime() / 1000, initiating_entity: initiatingEntity, reason_admin: { en: reason } });
    }
    const changes = events.filter((event) => event.type === EVENT_TYPE.credentialChange);
    expect(changes).toHaveLength(credentialChange ? 1 : 0);
    if (credentialChange) {
      expect(changes[0]).toMatchObject({ subject: { format: 'iss_sub', iss: ISSUER, sub: USER }, payload: { credential_type: 'password', change_type: 'update' } });
    }
  });

  test('a reason this table has not met yet still ends sessions for receivers, without guessing who initiated it', () => {
    const [event, ...rest] = eventsForEndedSessions(ISSUER, { userId: USER, sessionIds: [SESSIONS[0]!], reason: 'operator_cleanup', at: AT });
    expect(rest).toEqual([]);
    expect(event).toMatchObject({ type: EVENT_TYPE.sessionRevoked, payload: { reason_admin: { en: 'operator_cleanup' } } });
    expect(event!.payload).not.toHaveProperty('initiating_entity');
  });

  test('a SET has iss, aud, jti, iat, txn, sub_id and one event, and never sub or exp (SSF 1.0 §4.1)', () => {
    const claims = setClaims(verificationEvent('stream-1', 'abc'), { issuer: ISSUER, audience: 'billing', jti: 'j', txn: 't', issuedAt: AT });
    expect(claims).toEqual({
      iss: ISSUER,
      aud: 'billing',
      jti: 'j',
      iat: AT.getTime() / 1000,
      txn: 't',
      sub_id: { format: 'opaque', id: 'stream-1' },
      events: { [EVENT_TYPE.verification]: { state: 'abc' } },
    });
    expect(verificationEvent('stream-1', undefined).payload).toEqual({});
  });
});

describe('push backoff', () => {
  test('doubles from the base, capped, and the jitter takes off at most half', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 100, max: 600_000 }), fc.double({ min: 0, max: 0.9999, noNaN: true }), (attempts, base, unit) => {
        const full = Math.min(MAX_PUSH_BACKOFF_MS, base * 2 ** (attempts - 1));
        const delay = pushBackoffMs(attempts, base, unit);
        expect(delay).toBeGreaterThanOrEqual(Math.floor(full / 2));
        expect(delay).toBeLessThanOrEqual(full);
      }),
    );
    expect([1, 2, 3, 4].map((attempts) => pushBackoffMs(attempts, 1000, 0))).toEqual([500, 1000, 2000, 4000]);
    expect(pushBackoffMs(40, 2000, 0.5)).toBe(MAX_PUSH_BACKOFF_MS * 0.75);
  });

  test('a claim outlives the attempt and the write of its outcome', () => {
    expect(pushLeaseMs(5000)).toBeGreaterThan(5000);
    expect(unitInterval(Buffer.from([0, 0, 0, 0]))).toBe(0);
    expect(unitInterval(Buffer.from([255, 255, 255, 255]))).toBeLessThan(1);
  });
});

describe('stream configuration', () => {
  const stream = {
    id: 'b6d1c9a4-1111-4222-8333-444455556666',
    clientId: 'billing',
    deliveryMethod: 'push' as const,
    endpointUrl: 'https://billing.example/ssf',
    eventsRequested: [EVENT_TYPE.sessionRevoked, 'urn:example:other'],
    description: null,
    status: 'enabled' as const,
    statusReason: null,
    createdAt: AT,
    lastSeenAt: AT,
  };

  test('delivers only what was asked for and is supported; shows no description when none was given', () => {
    const config = streamConfiguration(stream, { issuer: ISSUER, inactivityDays: 1 });
    expect(config).toMatchObject({ aud: 'billing', events_delivered: [EVENT_TYPE.sessionRevoked], inactivity_timeout: 86_400 });
    expect(config).not.toHaveProperty('description');
    expect(streamConfiguration({ ...stream, deliveryMethod: 'poll', endpointUrl: null }, { issuer: `${ISSUER}/`, inactivityDays: 0 })).toMatchObject({
      delivery: { method: 'urn:ietf:rfc:8936', endpoint_url: `${ISSUER}/ssf/poll/${stream.id}` },
    });
    expect(eventsDelivered([])).toEqual([]);
  });

  test('transmitter-supplied properties sent back must be ours; aud may come as a one-element array', () => {
    const config = streamConfiguration(stream, { issuer: ISSUER, inactivityDays: 1 });
    expect(transmitterFieldMismatches({ ...config }, config)).toEqual([]);
    expect(transmitterFieldMismatches({ aud: ['billing'] }, config)).toEqual([]);
    expect(transmitterFieldMismatches({ iss: 'https://other.example', events_delivered: [], min_verification_interval: 1 }, config)).toEqual([
      'iss',
      'events_delivered',
      'min_verification_interval',
    ]);
  });
});
