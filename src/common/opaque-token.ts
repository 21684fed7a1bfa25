import { constantTimeEqual, sha256 } from './crypto.js';
import { isUuid } from './uuid.js';

/**
 * Opaque `<id>.<secret>` tokens (refresh tokens, mailed account tokens): the
 * id finds the row, the 32-byte secret proves possession. Only SHA-256 of
 * the secret is stored, so a database leak yields no usable token.
 */
export const SECRET_BYTES = 32;

const BASE64URL_SECRET = /^[A-Za-z0-9_-]{43}$/;

export interface OpaqueTokenParts {
  id: string;
  secret: Buffer;
}

export function formatOpaqueToken(parts: OpaqueTokenParts): string {
  return `${parts.id}.${parts.secret.toString('base64url')}`;
}

/** Null for anything that is not exactly a token we could have issued. */
export function parseOpaqueToken(value: string | undefined): OpaqueTokenParts | null {
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
