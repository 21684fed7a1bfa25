import { Body, Controller, Get, HttpCode, Param, type PipeTransform, Post, Query } from '@nestjs/common';
import { ApiBody, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AuditReader } from '../audit/audit.reader.js';
import { Client, CurrentPrincipal, type Principal } from '../auth/principal.js';
import { toAdminSessionView } from '../auth/views/session.view.js';
import { toUserView } from '../auth/views/user.view.js';
import { AppError } from '../common/app-error.js';
import type { ClientInfo } from '../common/client-info.js';
import { Roles } from '../common/route-policy.js';
import { uuidParam } from '../common/uuid.js';
import { ApiErrors } from '../openapi/api-errors.js';
import { SessionsAdminService } from '../sessions/sessions-admin.service.js';
import { SigningKeysService } from '../tokens/signing-keys.service.js';
import { UsersService } from '../users/users.service.js';
import {
  AdminSessionsPageView,
  KeyRotationView,
  SessionRevokedView,
  SigningKeysView,
  toSigningKeyView,
  UserSessionsRevokedView,
  UsersPageView,
} from './admin-answers.view.js';
import { AuditQuery, ListSessionsQuery, RevokeBody, RotateKeysBody, UsersQuery } from './admin.dto.js';
import { AuditPageView, toAuditEventView } from './audit-event.view.js';
import { decodeSessionCursor, decodeUserCursor, encodeSessionCursor, encodeUserCursor } from './cursor.js';

/** Key ids are JWK thumbprints: base64url. */
const kidParam: PipeTransform<string, string> = {
  transform(kid) {
    if (/^[A-Za-z0-9_-]{1,128}$/.test(kid)) return kid;
    throw AppError.invalidField('kid', 'not a key id');
  },
};

/** The ops surface: every route needs the admin role, every change is audited with the acting admin, IP and user agent. */
@ApiTags('admin')
@Roles('admin')
@Controller('admin')
export class AdminController {
  constructor(
    private readonly sessions: SessionsAdminService,
    private readonly users: UsersService,
    private readonly keys: SigningKeysService,
    private readonly audit: AuditReader,
  ) {}

  @ApiOperation({ summary: 'Find users by email prefix, ordered by email' })
  @ApiOkResponse({ type: UsersPageView })
  @Get('users')
  async searchUsers(@Query() query: UsersQuery): Promise<UsersPageView> {
    const limit = query.limit ?? 50;
    const rows = await this.users.searchByEmail(query.email ?? '', limit, query.cursor === undefined ? undefined : decodeUserCursor(query.cursor));
    const last = rows.at(-1);
    return { users: rows.map(toUserView), nextCursor: rows.length === limit && last ? encodeUserCursor(last) : null };
  }

  @ApiOperation({ summary: "Sessions (a user's, or everyone's), newest first, with state and rotation counts" })
  @ApiOkResponse({ type: AdminSessionsPageView })
  @Get('sessions')
  async listSessions(@Query() query: ListSessionsQuery): Promise<AdminSessionsPageView> {
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

  @ApiOperation({ summary: 'Revoke one session (token family)' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiBody({ type: RevokeBody, required: false })
  @ApiOkResponse({ type: SessionRevokedView })
  @ApiErrors('session_not_found')
  @Post('sessions/:id/revoke')
  @HttpCode(200)
  async revokeSession(
    @Param('id', uuidParam('id')) id: string,
    @Body() body: RevokeBody,
    @CurrentPrincipal() admin: Principal,
    @Client() client: ClientInfo,
  ): Promise<SessionRevokedView> {
    const revoked = await this.sessions.revokeSession(id, { id: admin.userId, client }, body?.reason);
    return { sessionId: id, revoked };
  }

  @ApiOperation({ summary: 'Revoke every live session of a user' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiBody({ type: RevokeBody, required: false })
  @ApiOkResponse({ type: UserSessionsRevokedView })
  @Post('users/:id/revoke-sessions')
  @HttpCode(200)
  async revokeUserSessions(
    @Param('id', uuidParam('id')) id: string,
    @Body() body: RevokeBody,
    @CurrentPrincipal() admin: Principal,
    @Client() client: ClientInfo,
  ): Promise<UserSessionsRevokedView> {
    return { userId: id, revoked: await this.sessions.revokeUserSessions(id, { id: admin.userId, client }, body?.reason) };
  }

  @ApiOperation({ summary: 'Signing keys and their states (no private parts)' })
  @ApiOkResponse({ type: SigningKeysView })
  @Get('keys')
  async listKeys(): Promise<SigningKeysView> {
    return { keys: (await this.keys.listKeys()).map(toSigningKeyView) };
  }

  @ApiOperation({ summary: 'Two-phase key rotation: stage a next key, later promote it; force does both (after a leak)' })
  @ApiBody({ type: RotateKeysBody, required: false })
  @ApiOkResponse({ type: KeyRotationView })
  @ApiErrors('key_not_ready')
  @Post('keys/rotate')
  @HttpCode(200)
  rotateKeys(@Body() body: RotateKeysBody, @CurrentPrincipal() admin: Principal, @Client() client: ClientInfo): Promise<KeyRotationView> {
    return this.keys.rotate({ id: admin.userId, client }, body?.force ?? false);
  }

  @ApiOperation({ summary: 'Take a next or retired key out of the JWKS at once (a leaked key)' })
  @ApiParam({ name: 'kid', description: 'The key id (JWK thumbprint).' })
  @ApiNoContentResponse({ description: 'Withdrawn.' })
  @ApiErrors('key_not_found', 'key_is_current')
  @Post('keys/:kid/withdraw')
  @HttpCode(204)
  async withdrawKey(@Param('kid', kidParam) kid: string, @CurrentPrincipal() admin: Principal, @Client() client: ClientInfo): Promise<void> {
    await this.keys.withdraw(kid, { id: admin.userId, client });
  }

  @ApiOperation({ summary: 'The audit trail, newest first, with filters and a time range' })
  @ApiOkResponse({ type: AuditPageView })
  @Get('audit')
  async auditTrail(@Query() query: AuditQuery): Promise<AuditPageView> {
    const filter = {
      userId: query.userId,
      sessionId: query.sessionId,
      type: query.type,
      from: query.from === undefined ? undefined : new Date(query.from),
      to: query.to === undefined ? undefined : new Date(query.to),
    };
    const page = await this.audit.list(filter, query.limit ?? 100, query.cursor);
    return { events: page.events.map(toAuditEventView), nextCursor: page.nextCursor };
  }
}
