import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, type PipeTransform, Post, Query } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import { Client, CurrentPrincipal, type Principal } from '../auth/principal.js';
import { Roles } from '../auth/roles.guard.js';
import type { ClientInfo } from '../sessions/client-info.js';
import { SessionsAdminService } from '../sessions/sessions-admin.service.js';
import { SigningKeysService } from '../tokens/signing-keys.service.js';
import { AuditQuery, ListSessionsQuery, RotateKeysBody } from './admin.dto.js';
import { decodeSessionCursor, encodeSessionCursor } from './cursor.js';

const uuidPipe = (field: string) =>
  new ParseUUIDPipe({
    exceptionFactory: () => AppError.invalidRequest(`${field}: must be a UUID`, [{ field, reason: 'must be a UUID' }]),
  });

/** Key ids are JWK thumbprints: base64url. */
const kidPipe: PipeTransform<string, string> = {
  transform(kid) {
    if (/^[A-Za-z0-9_-]{1,128}$/.test(kid)) return kid;
    throw AppError.invalidRequest('kid: not a key id', [{ field: 'kid', reason: 'not a key id' }]);
  },
};

/** The ops surface: every route needs the admin role, every change is audited with the acting admin. */
@Roles('admin')
@Controller('admin')
export class AdminController {
  constructor(
    private readonly sessions: SessionsAdminService,
    private readonly keys: SigningKeysService,
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
      sessions: rows.map((row) => ({
        ...row,
        createdAt: row.createdAt.toISOString(),
        lastUsedAt: row.lastUsedAt.toISOString(),
        idleExpiresAt: row.idleExpiresAt.toISOString(),
        absoluteExpiresAt: row.absoluteExpiresAt.toISOString(),
        revokedAt: row.revokedAt?.toISOString() ?? null,
      })),
      nextCursor: rows.length === limit && last ? encodeSessionCursor(last) : null,
    };
  }

  @Post('sessions/:id/revoke')
  @HttpCode(200)
  async revokeSession(@Param('id', uuidPipe('id')) id: string, @CurrentPrincipal() admin: Principal, @Client() client: ClientInfo) {
    const revoked = await this.sessions.revokeSession(id, admin.userId, client);
    return { sessionId: id, revoked };
  }

  @Post('users/:id/revoke-sessions')
  @HttpCode(200)
  async revokeUserSessions(@Param('id', uuidPipe('id')) id: string, @CurrentPrincipal() admin: Principal, @Client() client: ClientInfo) {
    return { userId: id, revoked: await this.sessions.revokeUserSessions(id, admin.userId, client) };
  }

  @Get('keys')
  async listKeys() {
    return { keys: await this.keys.listKeys() };
  }

  @Post('keys/rotate')
  @HttpCode(200)
  rotateKeys(@Body() body: RotateKeysBody, @CurrentPrincipal() admin: Principal) {
    return this.keys.rotate(admin.userId, body.force ?? false);
  }

  @Post('keys/:kid/withdraw')
  @HttpCode(204)
  async withdrawKey(@Param('kid', kidPipe) kid: string, @CurrentPrincipal() admin: Principal): Promise<void> {
    await this.keys.withdraw(kid, admin.userId);
  }

  @Get('audit')
  async audit(@Query() query: AuditQuery) {
    const limit = query.limit ?? 100;
    const events = await this.sessions.auditTrail({
      userId: query.userId,
      sessionId: query.sessionId,
      type: query.type,
      beforeId: query.cursor === undefined ? undefined : BigInt(query.cursor),
      limit,
    });
    return {
      events: events.map((event) => ({ ...event, id: event.id.toString(), occurredAt: event.occurredAt.toISOString() })),
      nextCursor: events.length === limit ? events.at(-1)!.id.toString() : null,
    };
  }
}
