import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { MailModule } from '../mail/mail.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { UsersModule } from '../users/users.module.js';
import { AccountDeletionService } from './account-deletion.service.js';
import { AccountTokens } from './account-tokens.js';
import { AccountTokensRepository } from './account-tokens.repository.js';
import { EmailVerificationService } from './email-verification.service.js';
import { PasswordChangeService } from './password-change.service.js';
import { PasswordResetService } from './password-reset.service.js';

/** The account lifecycle: composes users, sessions (revocation), audit and mail. Knows no HTTP. */
@Module({
  imports: [UsersModule, SessionsModule, AuditModule, MailModule],
  providers: [AccountTokensRepository, AccountTokens, PasswordChangeService, PasswordResetService, EmailVerificationService, AccountDeletionService],
  exports: [PasswordChangeService, PasswordResetService, EmailVerificationService, AccountDeletionService, AccountTokensRepository],
})
export class AccountModule {}
