import { Controller, Delete, Get, HttpCode, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { ClientInfo } from '../common/client-info.js';
import { uuidParam } from '../common/uuid.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { AuthCookies } from './cookies.js';
import { Client, CurrentPrincipal, type Principal } from './principal.js';
import { toOwnSessionView } from './views/session.view.js';

@Controller('auth/sessions')
export class SessionsController {
  constructor(
    private readonly sessions: SessionsService,
    private readonly cookies: AuthCookies,
  ) {}

  @Get()
  async list(@CurrentPrincipal() principal: Principal) {
    const sessions = await this.sessions.listActive(principal.userId);
    return { sessions: sessions.map((session) => toOwnSessionView(session, principal.sessionId)) };
  }

  @Delete(':id')
  @HttpCode(204)
  async revoke(
    @Param('id', uuidParam('id')) sessionId: string,
    @CurrentPrincipal() principal: Principal,
    @Client() client: ClientInfo,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    await this.sessions.revokeOwn(principal.userId, sessionId, client);
    if (sessionId === principal.sessionId) this.cookies.clear(reply);
  }
}
