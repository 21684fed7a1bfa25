import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';

/**
 * Secrets kept at rest under KEY_ENCRYPTION_SECRET: AES-256-GCM with a key
 * derived (HKDF-SHA256) per purpose, so that a blob of one purpose never
 * decrypts as another. The row it belongs to is bound as associated data,
 * so a blob copied onto another row does not decrypt either.
 * Layout: version (1) | iv (12) | tag (16) | ciphertext.
 */
const VERSION = 1;
const HEADER_BYTES = 1 + 12 + 16;

function deriveKey(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'auth-service', purpose, 32));
}

/** `iv` must be 12 fresh random bytes per call. */
export function seal(secret: string, purpose: string, boundTo: string, plaintext: Buffer, iv: Buffer): Buffer {
  const cipher = createCipheriv('aes-256-gcm', deriveKey(secret, purpose), iv);
  cipher.setAAD(Buffer.from(boundTo));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), ciphertext]);
}

/** The plaintext, or null when the blob is truncated, of another version, or does not decrypt (another secret, purpose or row). */
export function unseal(secret: string, purpose: string, boundTo: string, blob: Buffer): Buffer | null {
  if (blob.length < HEADER_BYTES || blob[0] !== VERSION) return null;
  const decipher = createDecipheriv('aes-256-gcm', deriveKey(secret, purpose), blob.subarray(1, 13));
  decipher.setAAD(Buffer.from(boundTo));
  decipher.setAuthTag(blob.subarray(13, HEADER_BYTES));
  try {
    return Buffer.concat([decipher.update(blob.subarray(HEADER_BYTES)), decipher.final()]);
  } catch {
    return null;
  }
}
