import type { Introspection } from '../../service-clients/introspection.service.js';

/** RFC 7662 §2.2: an inactive token gets `{active: false}` and nothing else. */
export function toIntrospectionView(result: Introspection) {
  if (!result.active) return { active: false as const };
  const { claims, roles } = result;
  return {
    active: true as const,
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
