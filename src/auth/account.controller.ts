import { Body, Controller, Delete, HttpCode, Post, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AccountDeletionService } from '../account/account-deletion.service.js';
import { EmailVerificationService } from '../account/email-verification.service.js';
import { PasswordChangeService } from '../account/password-change.service.js';
import { PasswordResetService } from '../account/password-reset.service.js';
import type { ClientInfo } from '../common/client-info.js';
import { Public, RateLimit } from '../common/route-policy.js';
import { ApiErrors } from '../openapi/api-errors.js';
import { ChangePasswordDto, DeleteAccountDto, MailRequestDto, ResetPasswordDto, VerifyEmailDto } from './account.dto.js';
import { AuthCookies } from './cookies.js';
import { Client, CurrentPrincipal, type Principal } from './principal.js';
import { MailRequestedView, PasswordChangedView, toMailRequestedView, toPasswordChangedView } from './views/account.view.js';

/**
 * The account lifecycle over HTTP. Checking the current password shares the
 * login buckets of the account, so a stolen session gains no extra guesses.
 */
@ApiTags('auth')
@Controller('auth')
export class AccountController {
  constructor(
    private readonly passwordChange: PasswordChangeService,
    private readonly passwordReset: PasswordResetService,
    private readonly emailVerification: EmailVerificationService,
    private readonly deletion: AccountDeletionService,
    private readonly cookies: AuthCookies,
  ) {}

  @ApiOperation({ summary: 'Change the password: every other session of the account ends in the same transaction; this one stays' })
  @ApiOkResponse({ type: PasswordChangedView })
  @ApiErrors('invalid_credentials', 'service_busy')
  @RateLimit('login-ip', 'login-account-ip', 'login-account')
  @Post('password')
  @HttpCode(200)
  async changePassword(@Body() body: ChangePasswordDto, @CurrentPrincipal() principal: Principal, @Client() client: ClientInfo): Promise<PasswordChangedView> {
    const actor = { userId: principal.userId, sessionId: principal.sessionId, client };
    return toPasswordChangedView(await this.passwordChange.change(actor, body.currentPassword, body.newPassword));
  }

  @ApiOperation({ summary: 'Mail a single-use password reset link, if the address has an account (the same answer, at once, either way)' })
  @ApiAcceptedResponse({ type: MailRequestedView })
  @ApiErrors('not_found', 'service_busy')
  @Public()
  @RateLimit('recovery-ip', 'mail-account')
  @Post('password/forgot')
  @HttpCode(202)
  forgotPassword(@Body() body: MailRequestDto, @Client() client: ClientInfo): MailRequestedView {
    this.passwordReset.requestReset(body.email, client);
    return toMailRequestedView();
  }

  @ApiOperation({ summary: 'Set a new password with a mailed reset token: every session of the account ends' })
  @ApiNoContentResponse({ description: 'The password is set; log in with it.' })
  @ApiErrors('invalid_reset_token', 'not_found', 'service_busy')
  @Public()
  @RateLimit('recovery-ip')
  @Post('password/reset')
  @HttpCode(204)
  async resetPassword(@Body() body: ResetPasswordDto, @Client() client: ClientInfo): Promise<void> {
    await this.passwordReset.reset(body.token, body.password, client);
  }

  @ApiOperation({ summary: 'Mail a new email verification link, if the address has an unverified account (the same answer either way)' })
  @ApiAcceptedResponse({ type: MailRequestedView })
  @ApiErrors('not_found', 'service_busy')
  @Public()
  @RateLimit('recovery-ip', 'mail-account')
  @Post('email/verification-mail')
  @HttpCode(202)
  requestVerificationMail(@Body() body: MailRequestDto): MailRequestedView {
    this.emailVerification.requestVerification(body.email);
    return toMailRequestedView();
  }

  @ApiOperation({ summary: 'Mark the email verified with a mailed verification token' })
  @ApiNoContentResponse({ description: 'Verified.' })
  @ApiErrors('invalid_verification_token', 'not_found')
  @Public()
  @RateLimit('recovery-ip')
  @Post('email/verify')
  @HttpCode(204)
  async verifyEmail(@Body() body: VerifyEmailDto, @Client() client: ClientInfo): Promise<void> {
    await this.emailVerification.verify(body.token, client);
  }

  @ApiOperation({ summary: 'Delete the account (current password required): every session ends, the address is freed, the cookies are cleared' })
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiErrors('invalid_credentials', 'session_revoked', 'service_busy')
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
