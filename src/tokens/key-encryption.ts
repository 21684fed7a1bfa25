import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';

/**
 * Private signing keys are stored encrypted with AES-256-GCM under a key
 * derived (HKDF-SHA256) from KEY_ENCRYPTION_SECRET. The kid is bound as
 * associated data, so a ciphertext copied onto another row does not decrypt.
 * Layout: version (1) | iv (12) | tag (16) | ciphertext.
 */
const VERSION = 1;

function deriveKey(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'auth-service', 'signing-key-encryption/v1', 32));
}

/** `iv` must be 12 fresh random bytes per encryption. */
export function encryptPrivateKey(secret: string, kid: string, plaintext: Buffer, iv: Buffer): Buffer {
  const cipher = createCipheriv('aes-256-gcm', deriveKey(secret), iv);
  cipher.setAAD(Buffer.from(kid));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), ciphertext]);
}

export function decryptPrivateKey(secret: string, kid: string, blob: Buffer): Buffer {
  if (blob.length < 29 || blob[0] !== VERSION) {
    throw new Error(`signing key ${kid}: stored private key is truncated or of an unknown encryption version`);
  }
  const decipher = createDecipheriv('aes-256-gcm', deriveKey(secret), blob.subarray(1, 13));
  decipher.setAAD(Buffer.from(kid));
  decipher.setAuthTag(blob.subarray(13, 29));
  try {
    return Buffer.concat([decipher.update(blob.subarray(29)), decipher.final()]);
  } catch {
    throw new Error(`signing key ${kid} does not decrypt: KEY_ENCRYPTION_SECRET differs from the one it was stored with`);
  }
}
