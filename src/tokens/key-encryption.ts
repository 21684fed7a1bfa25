import { seal, unseal } from '../common/sealed-secret.js';

/**
 * Private signing keys are stored sealed under KEY_ENCRYPTION_SECRET
 * (common/sealed-secret.ts), bound to their kid, so a ciphertext copied onto
 * another row does not decrypt.
 */
const PURPOSE = 'signing-key-encryption/v1';

/** `iv` must be 12 fresh random bytes per encryption. */
export function encryptPrivateKey(secret: string, kid: string, plaintext: Buffer, iv: Buffer): Buffer {
  return seal(secret, PURPOSE, kid, plaintext, iv);
}

export function decryptPrivateKey(secret: string, kid: string, blob: Buffer): Buffer {
  const plaintext = unseal(secret, PURPOSE, kid, blob);
  if (!plaintext) {
    throw new Error(`signing key ${kid} does not decrypt: it is truncated or of an unknown encryption version, or KEY_ENCRYPTION_SECRET differs from the one it was stored with`);
  }
  return plaintext;
}
