import { ApiProperty } from '@nestjs/swagger';
import type { IssuedTokens } from '../../sign-in/issued-tokens.js';

class SignedInUserView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() email!: string;
  @ApiProperty({ type: [String] }) roles!: string[];
  @ApiProperty({ description: 'Whether the user opened a mailed verification link.' }) emailVerified!: boolean;
}

class SessionTimesView {
  @ApiProperty({ format: 'uuid', description: 'The session (token family) id.' }) id!: string;
  @ApiProperty({ format: 'date-time', description: 'Ends without a refresh by then.' }) idleExpiresAt!: string;
  @ApiProperty({ format: 'date-time', description: 'Ends then whatever happens.' }) absoluteExpiresAt!: string;
}

/** The body of a login or refresh: who, which session, and when things expire. Never a token: those are in the cookies. */
export class TokensView {
  @ApiProperty({ type: SignedInUserView }) user!: SignedInUserView;
  @ApiProperty({ type: SessionTimesView }) session!: SessionTimesView;
  @ApiProperty({ format: 'date-time' }) accessTokenExpiresAt!: string;
}

export function toTokensView(issued: IssuedTokens): TokensView {
  return {
    user: { id: issued.user.id, email: issued.user.email, roles: issued.user.roles, emailVerified: issued.user.emailVerified },
    session: {
      id: issued.session.id,
      idleExpiresAt: issued.session.idleExpiresAt.toISOString(),
      absoluteExpiresAt: issued.session.absoluteExpiresAt.toISOString(),
    },
    accessTokenExpiresAt: issued.accessToken.expiresAt.toISOString(),
  };
}
