import { Injectable, Logger } from '@nestjs/common';
import { AUDIT_EVENT } from '../audit/audit-entry.js';
import { AppError } from '../common/app-error.js';
import type { ClientInfo } from '../common/client-info.js';
import { Clock } from '../common/clock.js';
import { REVOKE_REASON, SessionRevoker } from './session-revoker.js';
import { type SessionFilter, type SessionRecord, SessionsRepository } from './sessions.repository.js';

/** What ops may do to any user's sessions, each action audited with the acting admin. */
@Injectable()
export class SessionsAdminService {
  private readonly logger = new Logger(SessionsAdminService.name);

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly revoker: SessionRevoker,
    private readonly clock: Clock,
  ) {}

  listSessions(filter: SessionFilter): Promise<SessionRecord[]> {
    return this.sessions.listSessions(filter, this.clock.now());
  }

  /** Ends one family. Returns false when it had already ended by revocation (nothing changes then). */
  async revokeSession(sessionId: string, actorId: string, client: ClientInfo): Promise<boolean> {
    const session = await this.sessions.findSession(sessionId);
    if (!session) throw new AppError('session_not_found');
    const revoked = await this.revoker.revokeSession(session, REVOKE_REASON.admin, { type: AUDIT_EVENT.adminRevokeSession, actor: actorId, client });
    this.logger.log({ msg: 'session revoked by an admin', event: AUDIT_EVENT.adminRevokeSession, sessionId, actorId, changed: revoked });
    return revoked;
  }

  async revokeUserSessions(userId: string, actorId: string, client: ClientInfo): Promise<number> {
    const count = await this.revoker.revokeAllForUser(userId, REVOKE_REASON.admin, { type: AUDIT_EVENT.adminRevokeUser, actor: actorId, client });
    this.logger.log({ msg: "user's sessions revoked by an admin", event: AUDIT_EVENT.adminRevokeUser, userId, actorId, sessions: count });
    return count;
  }
}
