import { Injectable, Logger } from '@nestjs/common';
import { AUDIT_EVENT } from '../audit/audit-entry.js';
import { AuditWriter } from '../audit/audit.writer.js';
import { AppError } from '../common/app-error.js';
import { Clock } from '../common/clock.js';
import { REVOKE_REASON, SessionRevoker } from '../sessions/session-revoker.js';
import { UsersRepository } from '../users/users.repository.js';
import { UsersService } from '../users/users.service.js';
import { AccountTokensRepository } from './account-tokens.repository.js';
import type { SessionActor } from './session-actor.js';

/**
 * "Delete my account", by the retention rule of docs/account-recovery.md:
 * in one transaction every session is revoked (so other services hear of it
 * through the revocation feed), the address, password hash, roles and
 * mailed tokens go, and the user's audit events lose their IP addresses and
 * user agents. The marked row, and with it the sessions, goes at the next
 * purge once no access token of theirs can still be valid.
 */
@Injectable()
export class AccountDeletionService {
  private readonly logger = new Logger(AccountDeletionService.name);

  constructor(
    private readonly users: UsersService,
    private readonly usersTable: UsersRepository,
    private readonly tokens: AccountTokensRepository,
    private readonly audit: AuditWriter,
    private readonly revoker: SessionRevoker,
    private readonly clock: Clock,
  ) {}

  async delete(actor: SessionActor, password: string): Promise<void> {
    await this.users.checkPassword(actor.userId, password);
    const { revoked } = await this.revoker.revokeAllForUserWith(
      actor.userId,
      REVOKE_REASON.accountDeleted,
      // Written after the anonymisation below, so this one event keeps where the deletion came from.
      { type: AUDIT_EVENT.accountDeleted, actor: actor.userId, client: actor.client, actingSessionId: actor.sessionId },
      async (tx) => {
        // Deleted by a concurrent request: this session is over.
        if (!(await this.usersTable.markDeleted(tx, actor.userId, this.clock.now()))) throw new AppError('session_revoked');
        await this.tokens.deleteForUser(tx, actor.userId);
        await this.audit.anonymiseUser(tx, actor.userId);
      },
    );
    this.logger.log({ msg: 'account deleted', event: AUDIT_EVENT.accountDeleted, userId: actor.userId, sessions: revoked });
  }
}
