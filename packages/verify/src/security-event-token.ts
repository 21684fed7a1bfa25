import { errors, jwtVerify } from 'jose';
import { VerificationError } from './errors.js';
import type { JwksCache } from './jwks-cache.js';

export const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
export const CREDENTIAL_CHANGE = 'https://schemas.openid.net/secevent/caep/event-type/credential-change';
export const VERIFICATION = 'https://schemas.openid.net/secevent/ssf/event-type/verification';

/** A verified SET's one event (SSF 1.0 §4.2.1). */
export interface SecurityEvent {
  jti: string;
  type: string;
  subject: Record<string, unknown>;
  event: Record<string, unknown>;
}

/** Why a SET was refused, in RFC 8935 §2.4 / RFC 8936 §2.4.4 terms; `retry`: the key may simply not be fetched yet. */
export class SetRefused extends Error {
  constructor(
    readonly err: 'invalid_request' | 'invalid_key' | 'invalid_issuer' | 'invalid_audience',
    message: string,
    readonly retry = false,
  ) {
    super(message);
  }
}

/**
 * Verifies a Security Event Token as SSF 1.0 asks: signed ES256 by a key of
 * the auth service's JWKS (the one the access tokens use), `typ:
 * secevent+jwt`, its issuer, addressed to this receiver, no `sub` and no
 * `exp`, exactly one event, a subject in `sub_id`.
 */
export async function verifySecurityEvent(set: string, keys: JwksCache, expected: { issuer: string; audience: string }): Promise<SecurityEvent> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(set, (header) => keys.keyFor(header), {
      algorithms: ['ES256'],
      typ: 'secevent+jwt',
      issuer: expected.issuer,
      audience: expected.audience,
      requiredClaims: ['jti', 'iat'],
    }));
  } catch (error) {
    if (error instanceof VerificationError) throw new SetRefused('invalid_key', error.message, true);
    if (error instanceof errors.JWSSignatureVerificationFailed) throw new SetRefused('invalid_key', 'the signature does not verify');
    if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'iss') throw new SetRefused('invalid_issuer', error.message);
    if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'aud') throw new SetRefused('invalid_audience', error.message);
    if (error instanceof errors.JOSEError) throw new SetRefused('invalid_request', error.message);
    throw error;
  }
  if ('sub' in payload || 'exp' in payload) throw new SetRefused('invalid_request', 'an SSF event carries neither sub nor exp');
  const events = Object.entries((payload.events ?? {}) as Record<string, unknown>);
  const subject = payload.sub_id;
  const [entry] = events;
  if (events.length !== 1 || !entry || typeof entry[1] !== 'object' || entry[1] === null || typeof subject !== 'object' || subject === null) {
    throw new SetRefused('invalid_request', 'an SSF event has one event and a sub_id');
  }
  return { jti: payload.jti as string, type: entry[0], subject: subject as Record<string, unknown>, event: entry[1] as Record<string, unknown> };
}

/** The session a session-revoked event names (our tokens carry it as `sid`), if it names one. */
export function revokedSessionId(event: SecurityEvent): string | undefined {
  if (event.type !== SESSION_REVOKED) return undefined;
  const session = (event.subject.format === 'complex' ? event.subject.session : event.subject) as { format?: unknown; id?: unknown } | undefined;
  return session?.format === 'opaque' && typeof session.id === 'string' ? session.id : undefined;
}
