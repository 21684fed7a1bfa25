import { Injectable } from '@nestjs/common';
import type { AuditEventType } from '../audit/audit-entry.js';
import type { ClientInfo } from '../common/client-info.js';
import { Clock } from '../common/clock.js';
import { Metrics, type RevocationCause as RevocationMetric } from '../metrics/metrics.js';
import type { Prisma } from '../database/prisma.service.js';
import { SessionCheckCache } from './session-check-cache.js';
import { SessionsRepository } from './sessions.repository.js';

/** Stored in `sessions.revoke_reason`. */
export const REVOKE_REASON = {
  logout: 'logout',
  logoutAll: 'logout_all',
  reuse: 'refresh_token_reused',
  admin: 'admin',
} as const;

export type RevokeReason = (typeof REVOKE_REASON)[keyof typeof REVOKE_REASON];

const METRIC_CAUSE: Record<RevokeReason, RevocationMetric> = {
  logout: 'logout',
  logout_all: 'logout_all',
  refresh_token_reused: 'reuse',
  admin: 'admin',
};

/** Why a family ends and who ended it: becomes the audit event written with the revocation. */
export interface RevocationCause {
  type: AuditEventType;
  /** A user's id, or SYSTEM_ACTOR. */
  actor: string;
  client: ClientInfo;
  data?: Prisma.InputJsonObject;
}

/**
 * The one path every revocation takes: the rows and the audit event in one
 * transaction, then this instance's cached session checks are dropped, even
 * when the answer to a committed revocation is lost on its way back.
 */
@Injectable()
export class SessionRevoker {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly checks: SessionCheckCache,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
  ) {}

  /** Returns false when the session had already been revoked (nothing changes then). */
  async revokeSession(session: { id: string; userId: string }, reason: RevokeReason, cause: RevocationCause): Promise<boolean> {
    try {
      const revoked = await this.sessions.revokeSession(session.id, reason, {
        ...this.entry(cause),
        userId: session.userId,
        sessionId: session.id,
      });
      this.metrics.sessionsEnded(METRIC_CAUSE[reason], revoked ? 1 : 0);
      return revoked;
    } finally {
      this.checks.forgetSession(session.id);
    }
  }

  /** Returns how many live families were revoked. */
  async revokeAllForUser(userId: string, reason: RevokeReason, cause: RevocationCause): Promise<number> {
    try {
      const count = await this.sessions.revokeAllForUser(userId, reason, { ...this.entry(cause), userId, sessionId: null });
      this.metrics.sessionsEnded(METRIC_CAUSE[reason], count);
      return count;
    } finally {
      this.checks.forgetUser(userId);
    }
  }

  private entry(cause: RevocationCause) {
    return {
      at: this.clock.now(),
      type: cause.type,
      actor: cause.actor,
      origin: cause.client.origin,
      ip: cause.client.ip,
      userAgent: cause.client.userAgent,
      data: cause.data,
    };
  }
}
