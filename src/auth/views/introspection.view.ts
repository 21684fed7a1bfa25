import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { Introspection } from '../../service-clients/introspection.service.js';

/** RFC 7662 §2.2; every member but `active` is present only when it is true. */
export class IntrospectionView {
  @ApiProperty() active!: boolean;
  @ApiPropertyOptional({ enum: ['Bearer'] }) token_type?: 'Bearer';
  @ApiPropertyOptional({ description: 'The client the token was issued to.' }) client_id?: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'The user.' }) sub?: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'The session (refresh family).' }) sid?: string;
  @ApiPropertyOptional() jti?: string;
  @ApiPropertyOptional() iss?: string;
  @ApiPropertyOptional() aud?: string;
  @ApiPropertyOptional({ description: 'Seconds since the epoch.' }) iat?: number;
  @ApiPropertyOptional({ description: 'Seconds since the epoch.' }) exp?: number;
  @ApiPropertyOptional({ type: [String], description: "The user's roles as of now, not as of the token's issue." }) roles?: string[];
}

/** RFC 7662 §2.2: an inactive token gets `{active: false}` and nothing else. */
export function toIntrospectionView(result: Introspection): IntrospectionView {
  if (!result.active) return { active: false };
  const { claims, roles } = result;
  return {
    active: true,
    token_type: 'Bearer',
    client_id: claims.client_id,
    sub: claims.sub,
    sid: claims.sid,
    jti: claims.jti,
    iss: claims.iss,
    aud: claims.aud,
    iat: claims.iat,
    exp: claims.exp,
    roles,
  };
}
