import { Injectable } from '@nestjs/common';
import type { AuditEventType } from '../audit/audit-entry.js';
import type { ClientInfo } from '../common/client-info.js';
import { Clock } from '../common/clock.js';
import { Metrics, type RevocationCause as RevocationMetric } from '../metrics/metrics.js';
import type { Prisma } from '../database/prisma.service.js';
import { SessionCheckCache } from './session-check-cache.js';
import { SessionRevocationsRepository } from './session-revocations.repository.js';

/** Stored in `sessions.revoke_reason`. */
export const REVOKE_REASON = {
  logout: 'logout',
  logoutAll: 'logout_all',
  reuse: 'refresh_token_reused',
  admin: 'admin',
  passwordChanged: 'password_changed',
  passwordReset: 'password_reset',
  accountDeleted: 'account_deleted',
} as const;

export type RevokeReason = (typeof REVOKE_REASON)[keyof typeof REVOKE_REASON];

const METRIC_CAUSE: Record<RevokeReason, RevocationMetric> = {
  logout: 'logout',
  logout_all: 'logout_all',
  refresh_token_reused: 'reuse',
  admin: 'admin',
  password_changed: 'password_change',
  password_reset: 'password_reset',
  account_deleted: 'account_deletion',
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
 * The one path every revocation takes: the rows, the audit event, a notice
 * to every instance (NOTIFY) and the security events for SSF receivers in
 * one transaction (SessionRevocationsRepository); then this instance's
 * cached session checks are dropped at once, even when the answer to a
 * committed revocation is lost on its way back.
 */
@Injectable()
export class SessionRevoker {
  constructor(
    private readonly sessions: SessionRevocationsRepository,
    private readonly checks: SessionCheckCache,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
  ) {}

  /** Returns false when the session had already been revoked (nothing changes then). */
  async revokeSession(session: { id: string; userId: string }, reason: RevokeReason, cause: RevocationCause): Promise<boolean> {
    try {
      const revoked = await this.sessions.revokeSession(session, reason, {
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

  /**
   * A change of the account (a new password, its deletion) and the end of
   * the user's families, all of them or all but `keepSessionId`, in one
   * transaction: `change` runs first, with the transaction, and whatever it
   * throws rolls everything back. One audit event of the cause's type records
   * both, with the count in `data.sessions` and the acting session, if any.
   */
  async revokeAllForUserWith<T>(
    userId: string,
    reason: RevokeReason,
    cause: RevocationCause & { actingSessionId?: string; keepSessionId?: string },
    change: (tx: Prisma.TransactionClient) => Promise<T>,
  ): Promise<{ result: T; revoked: number }> {
    const entry = { ...this.entry(cause), userId, sessionId: cause.actingSessionId ?? null };
    try {
      return await this.sessions.revokeAllForUserWith(userId, reason, entry, cause.keepSessionId, change);
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
