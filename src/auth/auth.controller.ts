import { Body, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { EmailVerificationService } from '../account/email-verification.service.js';
import type { ClientInfo } from '../common/client-info.js';
import { OptionalAccessToken, Public, RateLimit, UsesRefreshCookie } from '../common/route-policy.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { SignInService } from '../sign-in/sign-in.service.js';
import { AuthCookies } from './cookies.js';
import { LoginDto, RegisterDto } from './credentials.dto.js';
import { Client, CurrentPrincipal, OptionalPrincipal, type Principal } from './principal.js';
import { toTokensView } from './views/tokens.view.js';
import { toUserView } from './views/user.view.js';

@Controller('auth')
export class AuthController {
  constructor(
    private readonly registration: EmailVerificationService,
    private readonly signIn: SignInService,
    private readonly sessions: SessionsService,
    private readonly cookies: AuthCookies,
  ) {}

  @Public()
  @RateLimit('register-ip')
  @Post('register')
  @HttpCode(201)
  async register(@Body() body: RegisterDto) {
    return { user: toUserView(await this.registration.register(body.email, body.password)) };
  }

  @Public()
  @RateLimit('login-ip', 'login-account-ip', 'login-account')
  @Post('login')
  @HttpCode(200)
  async login(@Body() body: LoginDto, @Client() client: ClientInfo, @Res({ passthrough: true }) reply: FastifyReply) {
    const issued = await this.signIn.login(body.email, body.password, client);
    this.cookies.setTokens(reply, issued);
    return toTokensView(issued);
  }

  @Public()
  @UsesRefreshCookie()
  @RateLimit('refresh-ip')
  @Post('refresh')
  @HttpCode(200)
  async refresh(@Req() request: FastifyRequest, @Client() client: ClientInfo, @Res({ passthrough: true }) reply: FastifyReply) {
    const issued = await this.signIn.refresh(this.cookies.readRefresh(request), client);
    this.cookies.setTokens(reply, issued);
    return toTokensView(issued);
  }

  @OptionalAccessToken()
  @UsesRefreshCookie()
  @Post('logout')
  @HttpCode(204)
  async logout(
    @Req() request: FastifyRequest,
    @OptionalPrincipal() principal: Principal | undefined,
    @Client() client: ClientInfo,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    await this.sessions.logout({ refreshToken: this.cookies.readRefresh(request), sessionId: principal?.sessionId }, client);
    this.cookies.clear(reply);
  }

  @Post('logout-all')
  @HttpCode(204)
  async logoutAll(@CurrentPrincipal() principal: Principal, @Client() client: ClientInfo, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.sessions.logoutAll(principal.userId, client);
    this.cookies.clear(reply);
  }

  @Get('me')
  me(@CurrentPrincipal() principal: Principal) {
    return {
      user: toUserView(principal.user),
      sessionId: principal.sessionId,
      accessTokenExpiresAt: principal.accessTokenExpiresAt.toISOString(),
    };
  }
}
