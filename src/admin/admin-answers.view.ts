import { ApiProperty } from '@nestjs/swagger';
import { AdminSessionView } from '../auth/views/session.view.js';
import { UserView } from '../auth/views/user.view.js';

/** The answers of the admin routes that are not a single stored thing. */

export class AdminSessionsPageView {
  @ApiProperty({ type: [AdminSessionView] }) sessions!: AdminSessionView[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class UsersPageView {
  @ApiProperty({ type: [UserView] }) users!: UserView[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class SessionRevokedView {
  @ApiProperty({ format: 'uuid' }) sessionId!: string;
  @ApiProperty({ description: 'False when it had already been revoked (nothing changed).' }) revoked!: boolean;
}

export class UserSessionsRevokedView {
  @ApiProperty({ format: 'uuid' }) userId!: string;
  @ApiProperty({ description: 'How many live sessions were revoked.' }) revoked!: number;
}

export class SigningKeyView {
  @ApiProperty({ description: 'JWK thumbprint.' }) kid!: string;
  @ApiProperty({ example: 'ES256' }) algorithm!: string;
  @ApiProperty({ enum: ['next', 'current', 'retired'] }) state!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) activatedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) retiredAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'A retired key stays in the JWKS until then.' })
  publishUntil!: string | null;
}

export class SigningKeysView {
  @ApiProperty({ type: [SigningKeyView] }) keys!: SigningKeyView[];
}

export class KeyRotationView {
  @ApiProperty({ enum: ['staged', 'promoted'] }) action!: 'staged' | 'promoted';
  @ApiProperty() current!: string;
  @ApiProperty({ type: String, nullable: true }) next!: string | null;
}

const iso = (date: Date | null) => date?.toISOString() ?? null;

export function toSigningKeyView(key: {
  kid: string;
  algorithm: string;
  state: string;
  createdAt: Date;
  activatedAt: Date | null;
  retiredAt: Date | null;
  publishUntil: Date | null;
}): SigningKeyView {
  return { ...key, createdAt: key.createdAt.toISOString(), activatedAt: iso(key.activatedAt), retiredAt: iso(key.retiredAt), publishUntil: iso(key.publishUntil) };
}
