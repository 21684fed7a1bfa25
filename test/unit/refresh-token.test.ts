import { createHash, randomBytes } from 'node:crypto';
import {
  SECRET_BYTES,
  deriveChildSecret,
  formatRefreshToken,
  hashSecret,
  parseRefreshToken,
  secretMatches,
} from '../../src/sessions/refresh-token.js';

const ID = '0b6f2a4e-7c1d-4e9a-9b3f-5d8c2e1a7f60';
const OTHER_ID = 'c2d4e6f8-1a3b-4c5d-8e7f-9a0b1c2d3e4f';
const SECRET = Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff));
const ENCODED = SECRET.toString('base64url');
const VALID = `${ID}.${ENCODED}`;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

describe('formatRefreshToken / parseRefreshToken', () => {
  test('format gives "<id>.<base64url secret>" of 80 characters', () => {
    expect(formatRefreshToken({ id: ID, secret: SECRET })).toBe(VALID);
    expect(VALID).toHaveLength(36 + 1 + 43);
  });

  test('parse(format(x)) returns the same id and secret', () => {
    const secret = randomBytes(SECRET_BYTES);
    const parsed = parseRefreshToken(formatRefreshToken({ id: ID, secret }));
    expect(parsed).not.toBeNull();
    expect(parsed!.id).toBe(ID);
    expect(parsed!.secret.equals(secret)).toBe(true);
  });

  test('the round trip holds for many random secrets (including ones ending in - and _)', () => {
    for (let i = 0; i < 200; i++) {
      const secret = randomBytes(SECRET_BYTES);
      const token = formatRefreshToken({ id: ID, secret });
      expect(parseRefreshToken(token)?.secret.equals(secret)).toBe(true);
    }
  });

  test('rejects undefined and the empty string', () => {
    expect(parseRefreshToken(undefined)).toBeNull();
    expect(parseRefreshToken('')).toBeNull();
  });

  test('rejects a value without a dot', () => {
    expect(parseRefreshToken(`${ID}${ENCODED}`)).toBeNull();
    expect(parseRefreshToken(ENCODED)).toBeNull();
  });

  test('rejects an empty id or an empty secret', () => {
    expect(parseRefreshToken(`.${ENCODED}`)).toBeNull();
    expect(parseRefreshToken(`${ID}.`)).toBeNull();
  });

  test('rejects an upper-case UUID', () => {
    expect(parseRefreshToken(`${ID.toUpperCase()}.${ENCODED}`)).toBeNull();
  });

  test('rejects malformed UUIDs', () => {
    for (const id of [
      '0b6f2a4e7c1d4e9a9b3f5d8c2e1a7f60', // no dashes
      '0b6f2a4e-7c1d-4e9a-9b3f-5d8c2e1a7f6', // one digit short
      '0b6f2a4e-7c1d-4e9a-9b3f-5d8c2e1a7f600', // one digit long
      'gb6f2a4e-7c1d-4e9a-9b3f-5d8c2e1a7f60', // not hex
      '{0b6f2a4e-7c1d-4e9a-9b3f-5d8c2e1a7f60}',
      'not-a-uuid',
    ]) {
      expect(parseRefreshToken(`${id}.${ENCODED}`)).toBeNull();
    }
  });

  test('rejects secrets that decode to other than 32 bytes', () => {
    expect(parseRefreshToken(`${ID}.${randomBytes(31).toString('base64url')}`)).toBeNull();
    expect(parseRefreshToken(`${ID}.${randomBytes(33).toString('base64url')}`)).toBeNull();
    expect(parseRefreshToken(`${ID}.${randomBytes(16).toString('base64url')}`)).toBeNull();
    expect(parseRefreshToken(`${ID}.${randomBytes(64).toString('base64url')}`)).toBeNull();
  });

  test('rejects a non-canonical base64url spelling of a 32-byte secret', () => {
    // 43 characters carry 258 bits: the last character's two low bits must be zero.
    const last = ENCODED.at(-1)!;
    const tweaked = ENCODED.slice(0, -1) + ALPHABET[ALPHABET.indexOf(last) + 1]!;
    expect(Buffer.from(tweaked, 'base64url').equals(SECRET)).toBe(true); // decodes to the same bytes...
    expect(parseRefreshToken(`${ID}.${tweaked}`)).toBeNull(); // ...but is refused
  });

  test('rejects standard base64 characters + and /', () => {
    const withPlus = `${ID}.+${ENCODED.slice(1)}`;
    const withSlash = `${ID}./${ENCODED.slice(1)}`;
    expect(parseRefreshToken(withPlus)).toBeNull();
    expect(parseRefreshToken(withSlash)).toBeNull();
  });

  test("rejects '=' padding", () => {
    expect(parseRefreshToken(`${VALID}=`)).toBeNull();
    expect(parseRefreshToken(`${ID}.${SECRET.toString('base64')}`)).toBeNull();
  });

  test('rejects extra dots', () => {
    expect(parseRefreshToken(`${VALID}.x`)).toBeNull();
    expect(parseRefreshToken(`${VALID}.`)).toBeNull();
    expect(parseRefreshToken(`${ID}..${ENCODED}`)).toBeNull();
    expect(parseRefreshToken(`x.${VALID}`)).toBeNull();
  });

  test('rejects values longer than 100 characters', () => {
    expect(parseRefreshToken(`${VALID}${'A'.repeat(21)}`)).toBeNull();
    expect(parseRefreshToken('a'.repeat(101))).toBeNull();
    expect(parseRefreshToken(`${ID}.${'A'.repeat(1000)}`)).toBeNull();
  });

  test('rejects whitespace anywhere', () => {
    expect(parseRefreshToken(` ${VALID}`)).toBeNull();
    expect(parseRefreshToken(`${VALID} `)).toBeNull();
    expect(parseRefreshToken(`${VALID}\n`)).toBeNull();
    expect(parseRefreshToken(`${VALID}\t`)).toBeNull();
    expect(parseRefreshToken(`${ID} .${ENCODED}`)).toBeNull();
    expect(parseRefreshToken(`${ID}. ${ENCODED.slice(1)}`)).toBeNull();
  });
});

describe('deriveChildSecret', () => {
  const PEPPER = 'pepper-pepper-pepper-pepper-pepper-0001';

  test('is 32 bytes', () => {
    const derived = deriveChildSecret(PEPPER, SECRET, ID);
    expect(derived).toBeInstanceOf(Buffer);
    expect(derived).toHaveLength(32);
  });

  test('is deterministic for the same pepper, parent secret and child id', () => {
    expect(deriveChildSecret(PEPPER, SECRET, ID).equals(deriveChildSecret(PEPPER, Buffer.from(SECRET), ID))).toBe(true);
  });

  test('differs when the pepper differs', () => {
    expect(deriveChildSecret(PEPPER, SECRET, ID).equals(deriveChildSecret(`${PEPPER}x`, SECRET, ID))).toBe(false);
  });

  test('differs when the parent secret differs', () => {
    const other = Buffer.from(SECRET);
    other[0] ^= 1;
    expect(deriveChildSecret(PEPPER, SECRET, ID).equals(deriveChildSecret(PEPPER, other, ID))).toBe(false);
  });

  test('differs when the child id differs', () => {
    expect(deriveChildSecret(PEPPER, SECRET, ID).equals(deriveChildSecret(PEPPER, SECRET, OTHER_ID))).toBe(false);
  });

  test('is not the parent secret nor its stored hash', () => {
    const derived = deriveChildSecret(PEPPER, SECRET, ID);
    expect(derived.equals(SECRET)).toBe(false);
    expect(derived.equals(hashSecret(SECRET))).toBe(false);
  });

  test('a derived child secret formats into a token that parses back', () => {
    const child = deriveChildSecret(PEPPER, SECRET, OTHER_ID);
    expect(parseRefreshToken(formatRefreshToken({ id: OTHER_ID, secret: child }))?.secret.equals(child)).toBe(true);
  });
});

describe('secretMatches', () => {
  test('hashSecret is SHA-256 of the secret', () => {
    expect(hashSecret(SECRET).equals(createHash('sha256').update(SECRET).digest())).toBe(true);
  });

  test('is true for the stored hash of the same secret (Buffer or Uint8Array)', () => {
    const stored = hashSecret(SECRET);
    expect(secretMatches(SECRET, stored)).toBe(true);
    expect(secretMatches(SECRET, new Uint8Array(stored))).toBe(true);
  });

  test('is false for the hash of another secret', () => {
    expect(secretMatches(SECRET, hashSecret(randomBytes(32)))).toBe(false);
  });

  test('is false when the secret itself is given instead of its hash', () => {
    expect(secretMatches(SECRET, SECRET)).toBe(false);
  });

  test('is false (and does not throw) for a stored hash of another length', () => {
    const stored = hashSecret(SECRET);
    expect(() => secretMatches(SECRET, stored.subarray(0, 31))).not.toThrow();
    expect(secretMatches(SECRET, stored.subarray(0, 31))).toBe(false);
    expect(secretMatches(SECRET, Buffer.concat([stored, Buffer.from([0])]))).toBe(false);
    expect(secretMatches(SECRET, Buffer.alloc(0))).toBe(false);
  });
});
