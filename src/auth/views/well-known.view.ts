import { ApiProperty } from '@nestjs/swagger';
import type { JWK } from 'jose';

export class JwksView {
  @ApiProperty({
    type: 'array',
    items: { type: 'object', example: { kty: 'EC', crv: 'P-256', x: '…', y: '…', kid: '…', alg: 'ES256', use: 'sig' } },
  })
  keys!: JWK[];
}

class RevokedSessionView {
  @ApiProperty({ format: 'uuid', description: 'The `sid` claim of the tokens to refuse.' }) sid!: string;
  @ApiProperty({ format: 'date-time' }) revokedAt!: string;
}

export class RevokedSessionsView {
  @ApiProperty({ type: [RevokedSessionView] }) revoked!: RevokedSessionView[];
  @ApiProperty({ format: 'date-time', description: 'Pass as `since` on the next poll.' }) next!: string;
  @ApiProperty({ description: 'False when more revocations are waiting: poll again at once.' }) complete!: boolean;
  @ApiProperty({ description: 'Refuse a listed sid until its entry is this old.' }) windowSeconds!: number;
}
