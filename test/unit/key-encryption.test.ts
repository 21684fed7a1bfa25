import { randomBytes } from 'node:crypto';
import { decryptPrivateKey, encryptPrivateKey } from '../../src/tokens/key-encryption.js';

const SECRET = 'kek-0123456789-0123456789-0123456789-abcd';
const OTHER_SECRET = 'kek-9876543210-9876543210-9876543210-wxyz';
const KID = 'key-2030-01-01';
const PLAINTEXT = Buffer.from('{"kty":"EC","crv":"P-256","d":"private-scalar"}');

describe('encryptPrivateKey / decryptPrivateKey', () => {
  test('round trip returns the plaintext', () => {
    const blob = encryptPrivateKey(SECRET, KID, PLAINTEXT, randomBytes(12));
    expect(decryptPrivateKey(SECRET, KID, blob).equals(PLAINTEXT)).toBe(true);
  });

  test('round trip works for random binary and empty plaintexts', () => {
    const binary = randomBytes(1000);
    expect(decryptPrivateKey(SECRET, KID, encryptPrivateKey(SECRET, KID, binary, randomBytes(12))).equals(binary)).toBe(true);
    expect(decryptPrivateKey(SECRET, KID, encryptPrivateKey(SECRET, KID, Buffer.alloc(0), randomBytes(12)))).toHaveLength(0);
  });

  test('the blob does not contain the plaintext', () => {
    const blob = encryptPrivateKey(SECRET, KID, PLAINTEXT, randomBytes(12));
    expect(blob.includes(PLAINTEXT)).toBe(false);
    expect(blob.includes(Buffer.from('private-scalar'))).toBe(false);
  });

  test('the blob is version 1 | iv(12) | tag(16) | ciphertext', () => {
    const blob = encryptPrivateKey(SECRET, KID, PLAINTEXT, randomBytes(12));
    expect(blob[0]).toBe(1);
    expect(blob).toHaveLength(1 + 12 + 16 + PLAINTEXT.length);
  });

  test('a different kid (associated data) does not decrypt', () => {
    const blob = encryptPrivateKey(SECRET, KID, PLAINTEXT, randomBytes(12));
    expect(() => decryptPrivateKey(SECRET, 'key-other', blob)).toThrow();
  });

  test('a different secret fails with a message naming KEY_ENCRYPTION_SECRET', () => {
    const blob = encryptPrivateKey(SECRET, KID, PLAINTEXT, randomBytes(12));
    expect(() => decryptPrivateKey(OTHER_SECRET, KID, blob)).toThrow(/KEY_ENCRYPTION_SECRET/);
  });

  test('the failure message does not reveal either secret', () => {
    const blob = encryptPrivateKey(SECRET, KID, PLAINTEXT, randomBytes(12));
    let message = '';
    try {
      decryptPrivateKey(OTHER_SECRET, KID, blob);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).not.toBe('');
    expect(message).not.toContain(SECRET);
    expect(message).not.toContain(OTHER_SECRET);
  });

  test('a flipped ciphertext byte fails', () => {
    const blob = encryptPrivateKey(SECRET, KID, PLAINTEXT, randomBytes(12));
    const tampered = Buffer.from(blob);
    tampered[29 + 5]! ^= 0x01;
    expect(() => decryptPrivateKey(SECRET, KID, tampered)).toThrow();
  });

  test('a flipped IV byte or tag byte fails', () => {
    const blob = encryptPrivateKey(SECRET, KID, PLAINTEXT, randomBytes(12));
    const badIv = Buffer.from(blob);
    badIv[1]! ^= 0x80;
    const badTag = Buffer.from(blob);
    badTag[13]! ^= 0x80;
    expect(() => decryptPrivateKey(SECRET, KID, badIv)).toThrow();
    expect(() => decryptPrivateKey(SECRET, KID, badTag)).toThrow();
  });

  test('an unknown version byte fails', () => {
    const blob = encryptPrivateKey(SECRET, KID, PLAINTEXT, randomBytes(12));
    const wrongVersion = Buffer.from(blob);
    wrongVersion[0] = 2;
    expect(() => decryptPrivateKey(SECRET, KID, wrongVersion)).toThrow(/version/);
  });

  test('two encryptions with fresh IVs differ and both decrypt', () => {
    const a = encryptPrivateKey(SECRET, KID, PLAINTEXT, randomBytes(12));
    const b = encryptPrivateKey(SECRET, KID, PLAINTEXT, randomBytes(12));
    expect(a.equals(b)).toBe(false);
    expect(a.subarray(1, 13).equals(b.subarray(1, 13))).toBe(false);
    expect(decryptPrivateKey(SECRET, KID, a).equals(PLAINTEXT)).toBe(true);
    expect(decryptPrivateKey(SECRET, KID, b).equals(PLAINTEXT)).toBe(true);
  });
});
