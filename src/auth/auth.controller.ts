import { Body, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { EmailVerificationService } from '../account/email-verification.service.js';
import type { ClientInfo } from '../common/client-info.js';
import { OptionalAccessToken, Public, RateLimit, UsesRefreshCookie } from '../common/route-policy.js';
import { ApiErrors } from '../openapi/api-errors.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { SignInService } from '../sign-in/sign-in.service.js';
import { AuthCookies } from './cookies.js';
import { LoginDto, RegisterDto } from './credentials.dto.js';
import { Client, CurrentPrincipal, OptionalPrincipal, type Principal } from './principal.js';
import { TokensView, toTokensView } from './views/tokens.view.js';
import { MeView, RegisteredView, toUserView } from './views/user.view.js';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly registration: EmailVerificationService,
    private readonly signIn: SignInService,
    private readonly sessions: SessionsService,
    private readonly cookies: AuthCookies,
  ) {}

  @ApiOperation({ summary: 'Create an account (does not log in)' })
  @ApiCreatedResponse({ type: RegisteredView })
  @ApiErrors('email_taken', 'service_busy')
  @Public()
  @RateLimit('register-ip')
  @Post('register')
  @HttpCode(201)
  async register(@Body() body: RegisterDto, @Client() client: ClientInfo): Promise<RegisteredView> {
    return { user: toUserView(await this.registration.register(body.email, body.password, client)) };
  }

  @ApiOperation({ summary: 'Log in: a new session; sets the access and refresh cookies' })
  @ApiOkResponse({ type: TokensView, description: 'Logged in; the tokens are in the Set-Cookie headers, never in the body.' })
  @ApiErrors('invalid_credentials', 'service_busy')
  @Public()
  @RateLimit('login-ip', 'login-account-ip', 'login-account')
  @Post('login')
  @HttpCode(200)
  async login(@Body() body: LoginDto, @Client() client: ClientInfo, @Res({ passthrough: true }) reply: FastifyReply): Promise<TokensView> {
    const issued = await this.signIn.login(body.email, body.password, client);
    this.cookies.setTokens(reply, issued);
    return toTokensView(issued);
  }

  @ApiOperation({ summary: 'Rotate the refresh token (once per token; a replay inside the grace window gets the same child)' })
  @ApiOkResponse({ type: TokensView, description: 'Rotated; new cookies are set.' })
  @ApiErrors('invalid_refresh_token', 'session_revoked', 'session_expired', 'refresh_token_reused', 'ambiguous_refresh_cookie', 'service_busy')
  @Public()
  @UsesRefreshCookie()
  @RateLimit('refresh-ip')
  @Post('refresh')
  @HttpCode(200)
  async refresh(@Req() request: FastifyRequest, @Client() client: ClientInfo, @Res({ passthrough: true }) reply: FastifyReply): Promise<TokensView> {
    const issued = await this.signIn.refresh(this.cookies.readRefresh(request), client);
    this.cookies.setTokens(reply, issued);
    return toTokensView(issued);
  }

  @ApiOperation({ summary: 'End this session and clear the cookies (204 also when there was nothing to end)' })
  @ApiNoContentResponse({ description: 'Logged out.' })
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

  @ApiOperation({ summary: "End every session of the caller's account" })
  @ApiNoContentResponse({ description: 'All sessions revoked.' })
  @Post('logout-all')
  @HttpCode(204)
  async logoutAll(@CurrentPrincipal() principal: Principal, @Client() client: ClientInfo, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.sessions.logoutAll(principal.userId, client);
    this.cookies.clear(reply);
  }

  @ApiOperation({ summary: 'The current user and session' })
  @ApiOkResponse({ type: MeView })
  @Get('me')
  me(@CurrentPrincipal() principal: Principal): MeView {
    return {
      user: toUserView(principal.user),
      sessionId: principal.sessionId,
      accessTokenExpiresAt: principal.accessTokenExpiresAt.toISOString(),
    };
  }
}
