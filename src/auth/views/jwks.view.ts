import type { JWK } from 'jose';
import { strongEtag } from '../../common/etag.js';

/** The key set as sent, with its validator: instances with the same keys send the same bytes and the same ETag. */
export function toJwksView(jwks: { keys: JWK[] }): { body: string; etag: string } {
  const body = JSON.stringify({ keys: jwks.keys });
  return { body, etag: strongEtag(body) };
}
