import type { SessionRecord } from '../../sessions/sessions.repository.js';

/** One of the caller's own sessions, `current` on the one making the request. */
export function toOwnSessionView(session: SessionRecord, currentSessionId: string) {
  return {
    id: session.id,
    current: session.id === currentSessionId,
    createdAt: session.createdAt.toISOString(),
    lastUsedAt: session.lastUsedAt.toISOString(),
    idleExpiresAt: session.idleExpiresAt.toISOString(),
    absoluteExpiresAt: session.absoluteExpiresAt.toISOString(),
    userAgent: session.userAgent,
    ip: session.ip,
  };
}

/** Any user's session, for ops: everything stored about it but its tokens. */
export function toAdminSessionView(session: SessionRecord) {
  return {
    id: session.id,
    userId: session.userId,
    createdAt: session.createdAt.toISOString(),
    lastUsedAt: session.lastUsedAt.toISOString(),
    idleExpiresAt: session.idleExpiresAt.toISOString(),
    absoluteExpiresAt: session.absoluteExpiresAt.toISOString(),
    revokedAt: session.revokedAt?.toISOString() ?? null,
    revokeReason: session.revokeReason,
    userAgent: session.userAgent,
    ip: session.ip,
  };
}
