import { generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { encryptPrivateKey } from './key-encryption.js';
import type { NewSigningKey } from './signing-keys.repository.js';

export const SIGNING_ALGORITHM = 'ES256';

/** A fresh P-256 key pair: the public part as a JWK whose kid is its thumbprint, the private part encrypted under `keyEncryptionSecret`. */
export async function generateSigningKey(keyEncryptionSecret: string, iv: Buffer): Promise<NewSigningKey> {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const exported = publicKey.export({ format: 'jwk' }) as JWK;
  const kid = await calculateJwkThumbprint(exported, 'sha256');
  const publicJwk = { kty: exported.kty, crv: exported.crv, x: exported.x, y: exported.y, kid, alg: SIGNING_ALGORITHM, use: 'sig' };
  const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
  return {
    kid,
    algorithm: SIGNING_ALGORITHM,
    publicJwk,
    privateKeyCiphertext: encryptPrivateKey(keyEncryptionSecret, kid, pkcs8, iv),
  };
}
