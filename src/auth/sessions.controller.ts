import { Controller, Delete, Get, HttpCode, Param, Res } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { ClientInfo } from '../common/client-info.js';
import { uuidParam } from '../common/uuid.js';
import { ApiErrors } from '../openapi/api-errors.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { AuthCookies } from './cookies.js';
import { Client, CurrentPrincipal, type Principal } from './principal.js';
import { OwnSessionsView, toOwnSessionView } from './views/session.view.js';

@ApiTags('auth')
@Controller('auth/sessions')
export class SessionsController {
  constructor(
    private readonly sessions: SessionsService,
    private readonly cookies: AuthCookies,
  ) {}

  @ApiOperation({ summary: "The caller's live sessions, newest first" })
  @ApiOkResponse({ type: OwnSessionsView })
  @Get()
  async list(@CurrentPrincipal() principal: Principal): Promise<OwnSessionsView> {
    const sessions = await this.sessions.listActive(principal.userId);
    return { sessions: sessions.map((session) => toOwnSessionView(session, principal.sessionId)) };
  }

  @ApiOperation({ summary: "End one of the caller's own sessions (another user's answers 404)" })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiNoContentResponse({ description: 'Ended.' })
  @ApiErrors('session_not_found')
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
