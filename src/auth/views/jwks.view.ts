import { ApiProperty } from '@nestjs/swagger';
import type { JWK } from 'jose';
import { strongEtag } from '../../common/etag.js';

export class JwksView {
  @ApiProperty({
    type: 'array',
    items: { type: 'object', example: { kty: 'EC', crv: 'P-256', x: '…', y: '…', kid: '…', alg: 'ES256', use: 'sig' } },
  })
  keys!: JWK[];
}

/** The key set as sent, with its validator: instances with the same keys send the same bytes and the same ETag. */
export function toJwksView(jwks: JwksView): { body: string; etag: string } {
  const body = JSON.stringify({ keys: jwks.keys });
  return { body, etag: strongEtag(body) };
}
