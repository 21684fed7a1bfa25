import { Injectable, Logger } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import { Clock } from '../common/clock.js';
import type { ClientInfo } from './client-info.js';
import { type AuditFilter, type SessionFilter, SessionsRepository } from './sessions.repository.js';

export const ADMIN_AUDIT = {
  revokeSession: 'session_revoked_by_admin',
  revokeUser: 'all_sessions_revoked_by_admin',
} as const;

/** What ops may do to any user's sessions, each action audited with the acting admin. */
@Injectable()
export class SessionsAdminService {
  private readonly logger = new Logger(SessionsAdminService.name);

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly clock: Clock,
  ) {}

  listSessions(filter: SessionFilter) {
    return this.sessions.listSessions(filter, this.clock.now());
  }

  auditTrail(filter: AuditFilter) {
    return this.sessions.listAuditEvents(filter);
  }

  /** Ends one family. Returns false when it had already ended by revocation (nothing changes then). */
  async revokeSession(sessionId: string, actorId: string, client: ClientInfo): Promise<boolean> {
    const session = await this.sessions.findSession(sessionId);
    if (!session) throw AppError.notFound('session_not_found', 'No such session.');
    const revoked = await this.sessions.revokeSession(sessionId, 'admin', this.clock.now(), {
      type: ADMIN_AUDIT.revokeSession,
      userId: session.userId,
      sessionId,
      actor: actorId,
      ip: client.ip,
      userAgent: client.userAgent,
    });
    this.logger.log({ msg: 'session revoked by an admin', event: ADMIN_AUDIT.revokeSession, sessionId, actorId, changed: revoked });
    return revoked;
  }

  async revokeUserSessions(userId: string, actorId: string, client: ClientInfo): Promise<number> {
    const count = await this.sessions.revokeAllForUser(userId, 'admin', this.clock.now(), {
      type: ADMIN_AUDIT.revokeUser,
      userId,
      actor: actorId,
      ip: client.ip,
      userAgent: client.userAgent,
    });
    this.logger.log({ msg: "user's sessions revoked by an admin", event: ADMIN_AUDIT.revokeUser, userId, actorId, sessions: count });
    return count;
  }
}
