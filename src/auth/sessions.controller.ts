import { Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AppError } from '../common/app-error.js';
import type { ClientInfo } from '../sessions/client-info.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { AuthCookies } from './cookies.js';
import { Client, CurrentPrincipal, type Principal } from './principal.js';

const sessionIdPipe = new ParseUUIDPipe({
  exceptionFactory: () => AppError.invalidRequest('id: must be a UUID', [{ field: 'id', reason: 'must be a UUID' }]),
});

@Controller('auth/sessions')
export class SessionsController {
  constructor(
    private readonly sessions: SessionsService,
    private readonly cookies: AuthCookies,
  ) {}

  @Get()
  async list(@CurrentPrincipal() principal: Principal) {
    const sessions = await this.sessions.listActive(principal.userId);
    return {
      sessions: sessions.map((session) => ({
        id: session.id,
        current: session.id === principal.sessionId,
        createdAt: session.createdAt.toISOString(),
        lastUsedAt: session.lastUsedAt.toISOString(),
        idleExpiresAt: session.idleExpiresAt.toISOString(),
        absoluteExpiresAt: session.absoluteExpiresAt.toISOString(),
        userAgent: session.userAgent,
        ip: session.ip,
      })),
    };
  }

  @Delete(':id')
  @HttpCode(204)
  async revoke(
    @Param('id', sessionIdPipe) id: string,
    @CurrentPrincipal() principal: Principal,
    @Client() client: ClientInfo,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    const sessionId = id.toLowerCase();
    await this.sessions.revokeOwn(principal.userId, sessionId, client);
    if (sessionId === principal.sessionId) this.cookies.clear(reply);
  }
}
