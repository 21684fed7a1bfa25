import { AppError } from '../common/app-error.js';

/**
 * The rules of DESIGN.md's "Refresh rotation, exactly", as pure functions of
 * the stored state and the time, so that each branch is unit-tested.
 */

export interface SessionTimes {
  revokedAt: Date | null;
  idleExpiresAt: Date;
  absoluteExpiresAt: Date;
}

export type SessionState = 'active' | 'revoked' | 'expired';

export function sessionState(session: SessionTimes, now: Date): SessionState {
  if (session.revokedAt) return 'revoked';
  if (now >= session.idleExpiresAt || now >= session.absoluteExpiresAt) return 'expired';
  return 'active';
}

/**
 * The state a presented refresh token finds its family in. The token's own
 * expiry counts only while it is unused (then it equals the session's idle
 * expiry); a used token goes on to the reuse decision whatever its age.
 */
export function presentedTokenState(
  token: { usedAt: Date | null; revokedAt: Date | null; expiresAt: Date; session: SessionTimes },
  now: Date,
): SessionState {
  if (token.revokedAt) return 'revoked';
  const state = sessionState(token.session, now);
  if (state !== 'active') return state;
  return !token.usedAt && token.expiresAt <= now ? 'expired' : 'active';
}

/** A refresh extends the idle expiry, never past the absolute one. */
export function nextIdleExpiry(now: Date, idleTtlSeconds: number, absoluteExpiresAt: Date): Date {
  const idle = new Date(now.getTime() + idleTtlSeconds * 1000);
  return idle < absoluteExpiresAt ? idle : absoluteExpiresAt;
}

export interface UsedTokenFacts {
  usedAt: Date;
  /** The child written when the token was used (a used token always has one). */
  child: { id: string; usedAt: Date | null; revokedAt: Date | null } | null;
}

export type UsedTokenDecision = { kind: 'replay'; childId: string } | { kind: 'reuse' };

/**
 * A used token gets its own child back only inside the grace window and only
 * while that child is still the newest token of the family; anything else is
 * a replay by someone who should not hold the token.
 */
export function decideOnUsedToken(facts: UsedTokenFacts, now: Date, graceSeconds: number): UsedTokenDecision {
  const elapsedMs = now.getTime() - facts.usedAt.getTime();
  const child = facts.child;
  // Grace 0 means no window at all, not "the same millisecond".
  const insideGrace = graceSeconds > 0 && elapsedMs <= graceSeconds * 1000;
  if (insideGrace && child && !child.usedAt && !child.revokedAt) {
    return { kind: 'replay', childId: child.id };
  }
  return { kind: 'reuse' };
}

/** Steps 2 and 5 end the family for the client: the answer clears its cookies (see the error catalog). */
export function sessionEndedError(state: Exclude<SessionState, 'active'>): AppError {
  return new AppError(state === 'revoked' ? 'session_revoked' : 'session_expired');
}
