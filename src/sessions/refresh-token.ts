import { constantTimeEqual, hmacSha256, sha256 } from '../common/crypto.js';
import { isUuid } from '../common/uuid.js';

/**
 * Refresh tokens are opaque `<token id>.<secret>` strings: the id finds the
 * row, the 32-byte secret proves possession. Only SHA-256 of the secret is
 * stored, so a database leak yields no usable token.
 */
export const SECRET_BYTES = 32;

const BASE64URL_SECRET = /^[A-Za-z0-9_-]{43}$/;

export interface RefreshTokenParts {
  id: string;
  secret: Buffer;
}

export function formatRefreshToken(parts: RefreshTokenParts): string {
  return `${parts.id}.${parts.secret.toString('base64url')}`;
}

/** Null for anything that is not exactly a token we could have issued. */
export function parseRefreshToken(value: string | undefined): RefreshTokenParts | null {
  if (!value || value.length > 100) return null;
  const dot = value.indexOf('.');
  const id = value.slice(0, dot);
  const encoded = value.slice(dot + 1);
  if (dot < 0 || !isUuid(id) || !BASE64URL_SECRET.test(encoded)) return null;
  const secret = Buffer.from(encoded, 'base64url');
  // Reject non-canonical encodings: one token, one spelling.
  if (secret.length !== SECRET_BYTES || secret.toString('base64url') !== encoded) return null;
  return { id, secret };
}

export function hashSecret(secret: Buffer): Buffer {
  return sha256(secret);
}

export function secretMatches(secret: Buffer, storedHash: Buffer | Uint8Array): boolean {
  return constantTimeEqual(hashSecret(secret), Buffer.from(storedHash));
}

/**
 * The child's secret is derived from the parent's rather than stored, so that
 * a holder of the parent can be handed the very same child again inside the
 * grace window, while the database still holds only hashes.
 */
export function deriveChildSecret(pepper: string, parentSecret: Buffer, childId: string): Buffer {
  return hmacSha256(pepper, parentSecret, childId);
}
