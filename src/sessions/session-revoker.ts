import { Injectable } from '@nestjs/common';
import type { AuditEventType } from '../audit/audit-entry.js';
import type { ClientInfo } from '../common/client-info.js';
import { Clock } from '../common/clock.js';
import type { Prisma } from '../database/prisma.service.js';
import { SessionCheckCache } from './session-check-cache.js';
import { SessionsRepository } from './sessions.repository.js';

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
 * one transaction (SessionsRepository.announce); then this instance's
 * cached session checks are dropped at once, even when the answer to a
 * committed revocation is lost on its way back.
 */
@Injectable()
export class SessionRevoker {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly checks: SessionCheckCache,
    private readonly clock: Clock,
  ) {}

  /** Returns false when the session had already been revoked (nothing changes then). */
  async revokeSession(session: { id: string; userId: string }, reason: RevokeReason, cause: RevocationCause): Promise<boolean> {
    try {
      return await this.sessions.revokeSession(session, reason, {
        ...this.entry(cause),
        userId: session.userId,
        sessionId: session.id,
      });
    } finally {
      this.checks.forgetSession(session.id);
    }
  }

  /** Returns how many live families were revoked. */
  async revokeAllForUser(userId: string, reason: RevokeReason, cause: RevocationCause): Promise<number> {
    try {
      return await this.sessions.revokeAllForUser(userId, reason, { ...this.entry(cause), userId, sessionId: null });
    } finally {
      this.checks.forgetUser(userId);
    }
  }

  private entry(cause: RevocationCause) {
    return {
      at: this.clock.now(),
      type: cause.type,
      actor: cause.actor,
      ip: cause.client.ip,
      userAgent: cause.client.userAgent,
      data: cause.data,
    };
  }
}
