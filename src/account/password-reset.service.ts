import { Injectable, Logger } from '@nestjs/common';
import { AUDIT_EVENT } from '../audit/audit-entry.js';
import { AppError } from '../common/app-error.js';
import type { ClientInfo } from '../common/client-info.js';
import { Clock } from '../common/clock.js';
import { AppConfig } from '../config/app-config.js';
import { MailJobs } from '../mail/mail-jobs.js';
import { Mailer } from '../mail/mailer.js';
import { REVOKE_REASON, SessionRevoker } from '../sessions/session-revoker.js';
import { UsersRepository } from '../users/users.repository.js';
import { UsersService } from '../users/users.service.js';
import { accountLink, assertMailEnabled, passwordResetMail } from './account-mails.js';
import { AccountTokens } from './account-tokens.js';
import { AccountTokensRepository } from './account-tokens.repository.js';

function invalidResetToken(): AppError {
  return new AppError('invalid_reset_token');
}

/**
 * "I forgot my password": a single-use link by mail, then a new password
 * and every session ended. Asking never tells whether an account exists:
 * the same answer, given before anything about the account is looked at.
 */
@Injectable()
export class PasswordResetService {
  private readonly logger = new Logger(PasswordResetService.name);

  constructor(
    private readonly users: UsersService,
    private readonly usersTable: UsersRepository,
    private readonly accountTokens: AccountTokens,
    private readonly tokens: AccountTokensRepository,
    private readonly revoker: SessionRevoker,
    private readonly mailer: Mailer,
    private readonly jobs: MailJobs,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /**
   * Queues the lookup, the token and the mail, and returns: whether the
   * address has an account decides nothing before the answer is sent. 503
   * `service_busy` only when the mail queue is full, whatever the address.
   */
  requestReset(email: string, client: ClientInfo): void {
    assertMailEnabled(this.config);
    if (!this.jobs.enqueue('password_reset_mail', () => this.mailResetLink(email, client))) {
      throw new AppError('service_busy', { message: 'Too many mails are waiting to be sent; retry in a minute.', retryAfterSeconds: 60 });
    }
  }

  /**
   * Sets the password of the token's account, marks the token used (a
   * compare-and-set: of concurrent resets with one token exactly one wins)
   * and ends every session of the user, in one transaction. Returns how many
   * sessions ended. Any token that cannot be used is 400 `invalid_reset_token`.
   */
  async reset(rawToken: string, password: string, client: ClientInfo): Promise<number> {
    assertMailEnabled(this.config);
    const token = await this.accountTokens.findUsable(rawToken, 'password_reset');
    if (!token) throw invalidResetToken();
    const passwordHash = await this.users.hashPassword(password);
    const { revoked } = await this.revoker.revokeAllForUserWith(
      token.userId,
      REVOKE_REASON.passwordReset,
      { type: AUDIT_EVENT.passwordReset, actor: token.userId, client },
      async (tx) => {
        const now = this.clock.now();
        if (!(await this.tokens.markUsed(tx, token.id, 'password_reset', now))) throw invalidResetToken();
        if (!(await this.usersTable.resetPasswordHash(tx, token.userId, passwordHash, now))) throw invalidResetToken();
      },
    );
    this.logger.log({ msg: 'password reset; every session revoked', event: AUDIT_EVENT.passwordReset, userId: token.userId, sessions: revoked });
    return revoked;
  }

  private async mailResetLink(email: string, client: ClientInfo): Promise<void> {
    const user = await this.users.findByEmail(email);
    if (!user) {
      this.logger.log({ msg: 'password reset asked for an address without an account; nothing mailed', event: 'password_reset_unknown_address' });
      return;
    }
    const ttl = this.config.account.resetTtlSeconds;
    const token = await this.accountTokens.issue(user.id, 'password_reset', ttl, {
      type: AUDIT_EVENT.passwordResetRequested,
      actor: user.id,
      origin: client.origin,
      userId: user.id,
      sessionId: null,
      ip: client.ip,
      userAgent: client.userAgent,
    });
    await this.mailer.send(passwordResetMail(user.email, accountLink(this.config.mail.linkBaseUrl, 'reset-password', token), ttl));
    this.logger.log({ msg: 'password reset link mailed', event: AUDIT_EVENT.passwordResetRequested, userId: user.id });
  }
}
