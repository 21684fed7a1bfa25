import { Injectable, Logger } from '@nestjs/common';
import { AUDIT_EVENT } from '../audit/audit-entry.js';
import { AppError } from '../common/app-error.js';
import type { Actor } from '../common/client-info.js';
import { Clock } from '../common/clock.js';
import { type SessionState, sessionState } from './session-rules.js';
import { REVOKE_REASON, SessionRevoker } from './session-revoker.js';
import { type SessionFilter, type SessionWithRotations, SessionsRepository } from './sessions.repository.js';

/**
 * What ops may do to any user's sessions, from the admin API or the CLI,
 * each change audited with the acting admin (or operator), where it came
 * from, and the reason they gave.
 */
@Injectable()
export class SessionsAdminService {
  private readonly logger = new Logger(SessionsAdminService.name);

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly revoker: SessionRevoker,
    private readonly clock: Clock,
  ) {}

  async listSessions(filter: SessionFilter): Promise<Array<SessionWithRotations & { state: SessionState }>> {
    const now = this.clock.now();
    const rows = await this.sessions.listSessions(filter, now);
    return rows.map((row) => ({ ...row, state: sessionState(row, now) }));
  }

  /** Ends one family. Returns false when it had already ended by revocation (nothing changes then). */
  async revokeSession(sessionId: string, actor: Actor, reason: string | undefined): Promise<boolean> {
    const session = await this.sessions.findSession(sessionId);
    if (!session) throw new AppError('session_not_found');
    const revoked = await this.revoker.revokeSession(session, REVOKE_REASON.admin, {
      type: AUDIT_EVENT.adminRevokeSession,
      actor: actor.id,
      client: actor.client,
      data: reason === undefined ? undefined : { reason },
    });
    this.logger.log({ msg: 'session revoked by an admin', event: AUDIT_EVENT.adminRevokeSession, sessionId, actorId: actor.id, origin: actor.client.origin, changed: revoked });
    return revoked;
  }

  async revokeUserSessions(userId: string, actor: Actor, reason: string | undefined): Promise<number> {
    const count = await this.revoker.revokeAllForUser(userId, REVOKE_REASON.admin, {
      type: AUDIT_EVENT.adminRevokeUser,
      actor: actor.id,
      client: actor.client,
      data: reason === undefined ? undefined : { reason },
    });
    this.logger.log({ msg: "user's sessions revoked by an admin", event: AUDIT_EVENT.adminRevokeUser, userId, actorId: actor.id, origin: actor.client.origin, sessions: count });
    return count;
  }
}
