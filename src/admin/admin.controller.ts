import { Body, Controller, Get, HttpCode, Param, type PipeTransform, Post, Query } from '@nestjs/common';
import { AuditReader } from '../audit/audit.reader.js';
import { Client, CurrentPrincipal, type Principal } from '../auth/principal.js';
import { toAdminSessionView } from '../auth/views/session.view.js';
import { AppError } from '../common/app-error.js';
import type { ClientInfo } from '../common/client-info.js';
import { Roles } from '../common/route-policy.js';
import { uuidParam } from '../common/uuid.js';
import { SessionsAdminService } from '../sessions/sessions-admin.service.js';
import { SigningKeysService } from '../tokens/signing-keys.service.js';
import { AuditQuery, ListSessionsQuery, RotateKeysBody } from './admin.dto.js';
import { toAuditEventView } from './audit-event.view.js';
import { decodeSessionCursor, encodeSessionCursor } from './cursor.js';

/** Key ids are JWK thumbprints: base64url. */
const kidParam: PipeTransform<string, string> = {
  transform(kid) {
    if (/^[A-Za-z0-9_-]{1,128}$/.test(kid)) return kid;
    throw AppError.invalidField('kid', 'not a key id');
  },
};

/** The ops surface: every route needs the admin role, every change is audited with the acting admin. */
@Roles('admin')
@Controller('admin')
export class AdminController {
  constructor(
    private readonly sessions: SessionsAdminService,
    private readonly keys: SigningKeysService,
    private readonly audit: AuditReader,
  ) {}

  @Get('sessions')
  async listSessions(@Query() query: ListSessionsQuery) {
    const limit = query.limit ?? 50;
    const rows = await this.sessions.listSessions({
      userId: query.userId,
      status: query.status ?? 'active',
      limit,
      after: query.cursor === undefined ? undefined : decodeSessionCursor(query.cursor),
    });
    const last = rows.at(-1);
    return {
      sessions: rows.map(toAdminSessionView),
      nextCursor: rows.length === limit && last ? encodeSessionCursor(last) : null,
    };
  }

  @Post('sessions/:id/revoke')
  @HttpCode(200)
  async revokeSession(@Param('id', uuidParam('id')) id: string, @CurrentPrincipal() admin: Principal, @Client() client: ClientInfo) {
    const revoked = await this.sessions.revokeSession(id, admin.userId, client);
    return { sessionId: id, revoked };
  }

  @Post('users/:id/revoke-sessions')
  @HttpCode(200)
  async revokeUserSessions(@Param('id', uuidParam('id')) id: string, @CurrentPrincipal() admin: Principal, @Client() client: ClientInfo) {
    return { userId: id, revoked: await this.sessions.revokeUserSessions(id, admin.userId, client) };
  }

  @Get('keys')
  async listKeys() {
    return { keys: await this.keys.listKeys() };
  }

  @Post('keys/rotate')
  @HttpCode(200)
  rotateKeys(@Body() body: RotateKeysBody, @CurrentPrincipal() admin: Principal, @Client() client: ClientInfo) {
    return this.keys.rotate({ id: admin.userId, client }, body.force ?? false);
  }

  @Post('keys/:kid/withdraw')
  @HttpCode(204)
  async withdrawKey(@Param('kid', kidParam) kid: string, @CurrentPrincipal() admin: Principal, @Client() client: ClientInfo): Promise<void> {
    await this.keys.withdraw(kid, { id: admin.userId, client });
  }

  @Get('audit')
  async auditTrail(@Query() query: AuditQuery) {
    const page = await this.audit.list(
      { userId: query.userId, sessionId: query.sessionId, type: query.type, limit: query.limit ?? 100 },
      query.cursor,
    );
    return { events: page.events.map(toAuditEventView), nextCursor: page.nextCursor };
  }
}
