import { Injectable, Logger } from '@nestjs/common';
import { AUDIT_EVENT } from '../audit/audit-entry.js';
import { AuditWriter } from '../audit/audit.writer.js';
import { AppError } from '../common/app-error.js';
import type { ClientInfo } from '../common/client-info.js';
import { Clock } from '../common/clock.js';
import { AppConfig } from '../config/app-config.js';
import { MailJobs } from '../mail/mail-jobs.js';
import { Mailer } from '../mail/mailer.js';
import { SessionCheck } from '../sessions/session-check.service.js';
import type { PublicUser } from '../users/user.js';
import { UsersRepository } from '../users/users.repository.js';
import { UsersService } from '../users/users.service.js';
import { accountLink, assertMailEnabled, verificationMail } from './account-mails.js';
import { AccountTokens } from './account-tokens.js';
import { AccountTokensRepository } from './account-tokens.repository.js';

function invalidVerificationToken(): AppError {
  return new AppError('invalid_verification_token');
}

/**
 * Proof that a user reads the mail of their address: a single-use link,
 * mailed at registration and on request. Whether an unverified user may
 * log in is LOGIN_REQUIRES_VERIFIED_EMAIL's call (sign-in).
 */
@Injectable()
export class EmailVerificationService {
  private readonly logger = new Logger(EmailVerificationService.name);

  constructor(
    private readonly users: UsersService,
    private readonly usersTable: UsersRepository,
    private readonly accountTokens: AccountTokens,
    private readonly tokens: AccountTokensRepository,
    private readonly audit: AuditWriter,
    private readonly sessionCheck: SessionCheck,
    private readonly mailer: Mailer,
    private readonly jobs: MailJobs,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /** Registration, with the verification mail sent after the answer; a full mail queue loses the mail, not the account. */
  async register(email: string, password: string, client: ClientInfo): Promise<PublicUser> {
    const user = await this.users.register(email, password, client);
    if (this.config.mail.enabled) this.jobs.enqueue('email_verification_mail', () => this.mailVerificationLink(user));
    return user;
  }

  /**
   * A new link for an address, asked without signing in (a user who may not
   * log in before verifying could not ask otherwise): like forgot-password,
   * the same answer whether the address has an account, a verified one or none.
   */
  requestVerification(email: string): void {
    assertMailEnabled(this.config);
    const queued = this.jobs.enqueue('email_verification_mail', async () => {
      const user = await this.users.findByEmail(email);
      if (user && user.emailVerifiedAt === null) await this.mailVerificationLink(user);
    });
    if (!queued) throw new AppError('service_busy', { message: 'Too many mails are waiting to be sent; retry in a minute.', retryAfterSeconds: 60 });
  }

  /** Marks the address verified, the token used (compare-and-set) and the audit event, in one transaction. */
  async verify(rawToken: string, client: ClientInfo): Promise<void> {
    assertMailEnabled(this.config);
    const token = await this.accountTokens.findUsable(rawToken, 'email_verification');
    if (!token) throw invalidVerificationToken();
    const now = this.clock.now();
    const verified = await this.tokens.useThen(token.id, 'email_verification', now, async (tx) => {
      if (!(await this.usersTable.markEmailVerified(tx, token.userId, now))) throw invalidVerificationToken();
      const { ip, userAgent, origin } = client;
      await this.audit.record(tx, { at: now, type: AUDIT_EVENT.emailVerified, actor: token.userId, origin, userId: token.userId, sessionId: null, ip, userAgent });
      return true;
    });
    if (!verified) throw invalidVerificationToken();
    this.sessionCheck.ownerChanged(token.userId);
    this.logger.log({ msg: 'email verified', event: AUDIT_EVENT.emailVerified, userId: token.userId });
  }

  private async mailVerificationLink(user: PublicUser): Promise<void> {
    const ttl = this.config.account.verificationTtlSeconds;
    const token = await this.accountTokens.issue(user.id, 'email_verification', ttl);
    await this.mailer.send(verificationMail(user.email, accountLink(this.config.mail.linkBaseUrl, 'verify-email', token), ttl));
    this.logger.log({ msg: 'verification link mailed', event: 'email_verification_mailed', userId: user.id });
  }
}
