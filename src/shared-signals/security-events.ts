import type { Prisma } from '../database/prisma.service.js';
import type { RevokeReason } from '../sessions/session-revoker.js';

/**
 * The Security Event Tokens (RFC 8417) this transmitter sends, as SSF 1.0 and
 * CAEP 1.0 define them: the event types, the subjects and the claims. Pure:
 * no I/O, so that what a receiver gets for each revocation is read here.
 */
export const EVENT_TYPE = {
  sessionRevoked: 'https://schemas.openid.net/secevent/caep/event-type/session-revoked',
  credentialChange: 'https://schemas.openid.net/secevent/caep/event-type/credential-change',
  verification: 'https://schemas.openid.net/secevent/ssf/event-type/verification',
} as const;

/** What a receiver may ask for in `events_requested`; verification events come whenever it asks for one. */
export const EVENTS_SUPPORTED: readonly string[] = [EVENT_TYPE.sessionRevoked, EVENT_TYPE.credentialChange];

export const DELIVERY_METHOD = { push: 'urn:ietf:rfc:8935', poll: 'urn:ietf:rfc:8936' } as const;
export type DeliveryMethod = keyof typeof DELIVERY_METHOD;

type InitiatingEntity = 'admin' | 'user' | 'policy' | 'system';

/**
 * Who ends a session for each revoke reason, and whether it is also a
 * credential change. Keyed by every known reason, so a new one must be
 * placed here; a reason stored by code this table has not met yet (a
 * branch merged later) still yields a session-revoked event, without
 * `initiating_entity`.
 */
const BY_REASON: Record<RevokeReason, { initiatingEntity: InitiatingEntity; credentialChange: boolean }> = {
  logout: { initiatingEntity: 'user', credentialChange: false },
  logout_all: { initiatingEntity: 'user', credentialChange: false },
  refresh_token_reused: { initiatingEntity: 'policy', credentialChange: false },
  admin: { initiatingEntity: 'admin', credentialChange: false },
  password_changed: { initiatingEntity: 'user', credentialChange: true },
  password_reset: { initiatingEntity: 'user', credentialChange: true },
  account_deleted: { initiatingEntity: 'user', credentialChange: false },
};

function reasonInfo(reason: string): { initiatingEntity?: InitiatingEntity; credentialChange: boolean } {
  return Object.hasOwn(BY_REASON, reason) ? BY_REASON[reason as RevokeReason] : { credentialChange: false };
}

/** Sessions ended in one transaction, as the sessions room reports them to the outbox. */
export interface EndedSessions {
  userId: string;
  sessionIds: readonly string[];
  /** `sessions.revoke_reason`: decides the events and their `initiating_entity`. */
  reason: string;
  at: Date;
}

/** One event before it is addressed: the type, the subject and the event's own claims. */
export interface SecurityEvent {
  type: string;
  subject: Prisma.InputJsonObject;
  payload: Prisma.InputJsonObject;
}

const seconds = (at: Date) => Math.floor(at.getTime() / 1000);

/** A user of this issuer (RFC 9493 `iss_sub`). */
function userSubject(issuer: string, userId: string) {
  return { format: 'iss_sub', iss: issuer, sub: userId };
}

/**
 * CAEP session-revoked for each session (a complex subject: the user, and the
 * session id that our access tokens carry as `sid`), and CAEP credential-change
 * for a password change or reset.
 */
export function eventsForEndedSessions(issuer: string, ended: EndedSessions): SecurityEvent[] {
  const { initiatingEntity, credentialChange } = reasonInfo(ended.reason);
  const common = {
    event_timestamp: seconds(ended.at),
    ...(initiatingEntity ? { initiating_entity: initiatingEntity } : {}),
    reason_admin: { en: ended.reason },
  };
  const events: SecurityEvent[] = ended.sessionIds.map((sessionId) => ({
    type: EVENT_TYPE.sessionRevoked,
    subject: { format: 'complex', user: userSubject(issuer, ended.userId), session: { format: 'opaque', id: sessionId } },
    payload: common,
  }));
  if (credentialChange) {
    events.push({
      type: EVENT_TYPE.credentialChange,
      subject: userSubject(issuer, ended.userId),
      payload: { ...common, credential_type: 'password', change_type: 'update' },
    });
  }
  return events;
}

/** SSF 1.0 §8.1.4.1: the subject is the stream itself; `state` is echoed when the receiver sent one. */
export function verificationEvent(streamId: string, state: string | undefined): SecurityEvent {
  return {
    type: EVENT_TYPE.verification,
    subject: { format: 'opaque', id: streamId },
    payload: state === undefined ? {} : { state },
  };
}

/** The claims of one SET (SSF 1.0 §4.1): no `sub` and no `exp`, the subject in `sub_id`, one event. */
export function setClaims(event: SecurityEvent, addressing: { issuer: string; audience: string; jti: string; txn: string; issuedAt: Date }) {
  return {
    iss: addressing.issuer,
    aud: addressing.audience,
    jti: addressing.jti,
    iat: seconds(addressing.issuedAt),
    txn: addressing.txn,
    sub_id: event.subject,
    events: { [event.type]: event.payload },
  };
}

export type SetClaims = ReturnType<typeof setClaims>;
