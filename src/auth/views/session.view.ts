import { ApiProperty } from '@nestjs/swagger';
import type { SessionState } from '../../sessions/session-rules.js';
import type { SessionRecord, SessionWithRotations } from '../../sessions/sessions.repository.js';

/** One of the caller's own sessions, `current` on the one making the request. */
export class OwnSessionView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: 'The session of the access token that asks.' }) current!: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) lastUsedAt!: string;
  @ApiProperty({ format: 'date-time' }) idleExpiresAt!: string;
  @ApiProperty({ format: 'date-time' }) absoluteExpiresAt!: string;
  @ApiProperty({ type: String, nullable: true }) userAgent!: string | null;
  @ApiProperty({ type: String, nullable: true }) ip!: string | null;
}

export class OwnSessionsView {
  @ApiProperty({ type: [OwnSessionView] }) sessions!: OwnSessionView[];
}

export function toOwnSessionView(session: SessionRecord, currentSessionId: string): OwnSessionView {
  return {
    id: session.id,
    current: session.id === currentSessionId,
    createdAt: session.createdAt.toISOString(),
    lastUsedAt: session.lastUsedAt.toISOString(),
    idleExpiresAt: session.idleExpiresAt.toISOString(),
    absoluteExpiresAt: session.absoluteExpiresAt.toISOString(),
    userAgent: session.userAgent,
    ip: session.ip,
  };
}

/** Any user's session, for ops: everything stored about it but its tokens. */
export class AdminSessionView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) userId!: string;
  @ApiProperty({ enum: ['active', 'revoked', 'expired'] }) state!: SessionState;
  @ApiProperty({ description: 'Refreshes so far (tokens of the family after the first).' }) rotations!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time', description: 'The last login or refresh.' }) lastUsedAt!: string;
  @ApiProperty({ format: 'date-time' }) idleExpiresAt!: string;
  @ApiProperty({ format: 'date-time' }) absoluteExpiresAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) revokedAt!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'admin' }) revokeReason!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The device, as its user agent.' }) userAgent!: string | null;
  @ApiProperty({ type: String, nullable: true }) ip!: string | null;
}

export function toAdminSessionView(session: SessionWithRotations & { state: SessionState }): AdminSessionView {
  return {
    id: session.id,
    userId: session.userId,
    state: session.state,
    rotations: session.rotations,
    createdAt: session.createdAt.toISOString(),
    lastUsedAt: session.lastUsedAt.toISOString(),
    idleExpiresAt: session.idleExpiresAt.toISOString(),
    absoluteExpiresAt: session.absoluteExpiresAt.toISOString(),
    revokedAt: session.revokedAt?.toISOString() ?? null,
    revokeReason: session.revokeReason,
    userAgent: session.userAgent,
    ip: session.ip,
  };
}
