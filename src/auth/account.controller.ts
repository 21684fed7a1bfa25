import { Body, Controller, Delete, HttpCode, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AccountDeletionService } from '../account/account-deletion.service.js';
import { EmailVerificationService } from '../account/email-verification.service.js';
import { PasswordChangeService } from '../account/password-change.service.js';
import { PasswordResetService } from '../account/password-reset.service.js';
import type { ClientInfo } from '../common/client-info.js';
import { Public, RateLimit } from '../common/route-policy.js';
import { ChangePasswordDto, DeleteAccountDto, MailRequestDto, ResetPasswordDto, VerifyEmailDto } from './account.dto.js';
import { AuthCookies } from './cookies.js';
import { Client, CurrentPrincipal, type Principal } from './principal.js';
import { toMailRequestedView, toPasswordChangedView } from './views/account.view.js';

/**
 * The account lifecycle over HTTP. Checking the current password shares the
 * login buckets of the account, so a stolen session gains no extra guesses.
 */
@Controller('auth')
export class AccountController {
  constructor(
    private readonly passwordChange: PasswordChangeService,
    private readonly passwordReset: PasswordResetService,
    private readonly emailVerification: EmailVerificationService,
    private readonly deletion: AccountDeletionService,
    private readonly cookies: AuthCookies,
  ) {}

  @RateLimit('login-ip', 'login-account-ip', 'login-account')
  @Post('password')
  @HttpCode(200)
  async changePassword(@Body() body: ChangePasswordDto, @CurrentPrincipal() principal: Principal, @Client() client: ClientInfo) {
    const actor = { userId: principal.userId, sessionId: principal.sessionId, client };
    return toPasswordChangedView(await this.passwordChange.change(actor, body.currentPassword, body.newPassword));
  }

  @Public()
  @RateLimit('recovery-ip', 'mail-account')
  @Post('password/forgot')
  @HttpCode(202)
  forgotPassword(@Body() body: MailRequestDto, @Client() client: ClientInfo) {
    this.passwordReset.requestReset(body.email, client);
    return toMailRequestedView();
  }

  @Public()
  @RateLimit('recovery-ip')
  @Post('password/reset')
  @HttpCode(204)
  async resetPassword(@Body() body: ResetPasswordDto, @Client() client: ClientInfo): Promise<void> {
    await this.passwordReset.reset(body.token, body.password, client);
  }

  @Public()
  @RateLimit('recovery-ip', 'mail-account')
  @Post('email/verification-mail')
  @HttpCode(202)
  requestVerificationMail(@Body() body: MailRequestDto) {
    this.emailVerification.requestVerification(body.email);
    return toMailRequestedView();
  }

  @Public()
  @RateLimit('recovery-ip')
  @Post('email/verify')
  @HttpCode(204)
  async verifyEmail(@Body() body: VerifyEmailDto, @Client() client: ClientInfo): Promise<void> {
    await this.emailVerification.verify(body.token, client);
  }

  @RateLimit('login-ip', 'login-account-ip', 'login-account')
  @Delete('me')
  @HttpCode(204)
  async deleteAccount(
    @Body() body: DeleteAccountDto,
    @CurrentPrincipal() principal: Principal,
    @Client() client: ClientInfo,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    await this.deletion.delete({ userId: principal.userId, sessionId: principal.sessionId, client }, body.password);
    this.cookies.clear(reply);
  }
}
