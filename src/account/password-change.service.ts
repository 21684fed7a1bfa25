import { Injectable, Logger } from '@nestjs/common';
import { AUDIT_EVENT } from '../audit/audit-entry.js';
import { AppError } from '../common/app-error.js';
import { Clock } from '../common/clock.js';
import { REVOKE_REASON, SessionRevoker } from '../sessions/session-revoker.js';
import { UsersRepository } from '../users/users.repository.js';
import { UsersService } from '../users/users.service.js';
import { AccountTokensRepository } from './account-tokens.repository.js';
import type { SessionActor } from './session-actor.js';

/**
 * "My password may have leaked": a new password, and every other device
 * signed out, in one transaction, so that no session outlives the old
 * password and no new password stands without that revocation.
 */
@Injectable()
export class PasswordChangeService {
  private readonly logger = new Logger(PasswordChangeService.name);

  constructor(
    private readonly users: UsersService,
    private readonly usersTable: UsersRepository,
    private readonly tokens: AccountTokensRepository,
    private readonly revoker: SessionRevoker,
    private readonly clock: Clock,
  ) {}

  /** Returns how many other sessions ended; the caller's stays. A wrong current password is 401 `invalid_credentials`. */
  async change(actor: SessionActor, currentPassword: string, newPassword: string): Promise<number> {
    const checked = await this.users.checkPassword(actor.userId, currentPassword);
    const passwordHash = await this.users.hashPassword(newPassword);
    const { revoked } = await this.revoker.revokeAllForUserWith(
      actor.userId,
      REVOKE_REASON.passwordChanged,
      { type: AUDIT_EVENT.passwordChanged, actor: actor.userId, client: actor.client, actingSessionId: actor.sessionId, keepSessionId: actor.sessionId },
      async (tx) => {
        const change = { id: actor.userId, expectedHash: checked.passwordHash, passwordHash, now: this.clock.now() };
        // Changed by a concurrent request since it was checked: the password given is no longer the current one.
        if (!(await this.usersTable.replacePasswordHash(change, tx))) throw new AppError('invalid_credentials');
        // A reset link mailed before the change would undo it.
        await this.tokens.deleteForUser(tx, actor.userId, 'password_reset');
      },
    );
    this.logger.log({ msg: 'password changed; other sessions revoked', event: AUDIT_EVENT.passwordChanged, userId: actor.userId, sessions: revoked });
    return revoked;
  }
}
