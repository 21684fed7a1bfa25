import { hmacSha256 } from '../common/crypto.js';
import { formatOpaqueToken, type OpaqueTokenParts, parseOpaqueToken } from '../common/opaque-token.js';

/** Refresh tokens are opaque `<token id>.<secret>` strings (common/opaque-token.ts). */
export { hashSecret, SECRET_BYTES, secretMatches } from '../common/opaque-token.js';

export type RefreshTokenParts = OpaqueTokenParts;

export const formatRefreshToken = formatOpaqueToken;

export const parseRefreshToken = parseOpaqueToken;

/**
 * The child's secret is derived from the parent's rather than stored, so that
 * a holder of the parent can be handed the very same child again inside the
 * grace window, while the database still holds only hashes.
 */
export function deriveChildSecret(pepper: string, parentSecret: Buffer, childId: string): Buffer {
  return hmacSha256(pepper, parentSecret, childId);
}
