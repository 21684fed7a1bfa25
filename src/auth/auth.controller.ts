import { Body, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public, UsesRefreshCookie } from '../common/public.decorator.js';
import type { ClientInfo } from '../sessions/client-info.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { UsersService } from '../users/users.service.js';
import { OptionalAccessToken } from './access-token.guard.js';
import { tokenResponse } from './auth.responses.js';
import { AuthCookies } from './cookies.js';
import { LoginDto, RegisterDto } from './credentials.dto.js';
import { Client, CurrentPrincipal, OptionalPrincipal, type Principal } from './principal.js';
import { RateLimit } from './rate-limit.guard.js';

@Controller('auth')
export class AuthController {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly cookies: AuthCookies,
  ) {}

  @Public()
  @RateLimit('register-ip')
  @Post('register')
  @HttpCode(201)
  async register(@Body() body: RegisterDto) {
    const user = await this.users.register(body.email, body.password);
    return { user: { id: user.id, email: user.email, roles: user.roles, createdAt: user.createdAt.toISOString() } };
  }

  @Public()
  @RateLimit('login-ip', 'login-account')
  @Post('login')
  @HttpCode(200)
  async login(@Body() body: LoginDto, @Client() client: ClientInfo, @Res({ passthrough: true }) reply: FastifyReply) {
    const issued = await this.sessions.login(body.email, body.password, client);
    this.cookies.setTokens(reply, issued);
    return tokenResponse(issued);
  }

  @Public()
  @UsesRefreshCookie()
  @RateLimit('refresh-ip')
  @Post('refresh')
  @HttpCode(200)
  async refresh(@Req() request: FastifyRequest, @Client() client: ClientInfo, @Res({ passthrough: true }) reply: FastifyReply) {
    const issued = await this.sessions.refresh(this.cookies.readRefresh(request), client);
    this.cookies.setTokens(reply, issued);
    return tokenResponse(issued);
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
    const { user } = principal;
    return {
      user: { id: user.id, email: user.email, roles: user.roles, createdAt: user.createdAt.toISOString() },
      sessionId: principal.sessionId,
      accessTokenExpiresAt: principal.accessTokenExpiresAt.toISOString(),
    };
  }
}
