import { ApiProperty } from '@nestjs/swagger';

/** A user as this API shows one: never with a password hash. */
export class UserView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'ann@example.com' }) email!: string;
  @ApiProperty({ type: [String], example: ['admin'] }) roles!: string[];
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ description: 'Whether the user opened a mailed verification link.' }) emailVerified!: boolean;
}

export class RegisteredView {
  @ApiProperty({ type: UserView }) user!: UserView;
}

export class MeView {
  @ApiProperty({ type: UserView }) user!: UserView;
  @ApiProperty({ format: 'uuid' }) sessionId!: string;
  @ApiProperty({ format: 'date-time', description: 'When the presented access token expires.' }) accessTokenExpiresAt!: string;
}

export function toUserView(user: { id: string; email: string; roles: string[]; createdAt: Date; emailVerifiedAt: Date | null }): UserView {
  return { id: user.id, email: user.email, roles: user.roles, createdAt: user.createdAt.toISOString(), emailVerified: user.emailVerifiedAt !== null };
}
