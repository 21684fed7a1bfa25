import { createPublicKey } from 'node:crypto';
import { AccessTokensService } from '../../src/tokens/access-tokens.service.js';
import { jest } from '@jest/globals';
import { SigningKeysRepository } from '../../src/tokens/signing-keys.repository.js';
import { SigningKeysService } from '../../src/tokens/signing-keys.service.js';
import { startTestContext } from '../helpers/app.js';
import { createTestDatabase } from '../helpers/database.js';
import { TEST_OPERATOR } from '../helpers/users.js';

test('instances starting at once on one database create exactly one signing key and share it', async () => {
  const database = await createTestDatabase();
  try {
    const contexts = await Promise.all([startTestContext({ database }), startTestContext({ database }), startTestContext({ database })]);
    try {
      const prisma = contexts[0]!.prisma;
      const rows = await prisma.signingKey.findMany();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ state: 'current', algorithm: 'ES256' });
      const kids = contexts.map((context) => context.module.get(SigningKeysService).signingKey().kid);
      expect(new Set(kids)).toEqual(new Set([rows[0]!.kid]));

      // The stored private key is not readable without the key-encryption secret.
      const stored = Buffer.from(rows[0]!.privateKeyCiphertext);
      const plain = contexts[0]!.module.get(SigningKeysService).signingKey().privateKey.export({ format: 'der', type: 'pkcs8' });
      expect(stored.includes(plain.subarray(-32))).toBe(false);

      // A token issued by one instance verifies with the key another instance publishes.
      const token = contexts[1]!.module.get(AccessTokensService).issue({ userId: crypto.randomUUID(), sessionId: crypto.randomUUID(), roles: [], emailVerified: false, sessionEndsAt: new Date(Date.now() + 3600_000) });
      const jwk = contexts[2]!.module.get(SigningKeysService).jwks().keys[0]!;
      expect(createPublicKey({ key: jwk as never, format: 'jwk' }).asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
      const key = await contexts[2]!.module.get(AccessTokensService).verificationKeyFor(token.token);
      expect(key.export({ format: 'jwk' })).toMatchObject({ x: jwk.x, y: jwk.y });
    } finally {
      await Promise.all(contexts.map((context) => context.close()));
    }
  } finally {
    await database.drop();
  }
});

test('a wrong KEY_ENCRYPTION_SECRET stops startup with a message that says so', async () => {
  const database = await createTestDatabase();
  try {
    const first = await startTestContext({ database });
    await first.close();
    await expect(
      startTestContext({ database, env: { KEY_ENCRYPTION_SECRET: 'a-different-secret-a-different-secret-0000' } }),
    ).rejects.toThrow(/KEY_ENCRYPTION_SECRET/);
  } finally {
    await database.drop();
  }
});

test('a withdrawal takes effect at once on its instance, even while a load that read the keys before it is still under way', async () => {
  const database = await createTestDatabase();
  const context = await startTestContext({ database });
  try {
    const keys = context.module.get(SigningKeysService);
    const table = context.module.get(SigningKeysRepository);
    const { next: staged } = await keys.rotate(TEST_OPERATOR, false);
    expect(keys.jwks().keys.map((key) => key.kid)).toContain(staged);

    // A load (as a notice or the interval starts one) reads the table, then is held until the withdrawal has committed.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const listPublished = table.listPublished.bind(table);
    jest.spyOn(table, 'listPublished').mockImplementationOnce(async (now) => {
      const rows = await listPublished(now);
      await held;
      return rows;
    });
    const withdrawInTable = table.withdraw.bind(table);
    jest.spyOn(table, 'withdraw').mockImplementationOnce(async (...args) => {
      const change = await withdrawInTable(...args);
      release();
      return change;
    });
    const stale = keys.reload();

    await keys.withdraw(staged!, TEST_OPERATOR);
    expect(keys.jwks().keys.map((key) => key.kid)).not.toContain(staged);
    await stale;
    expect(keys.jwks().keys.map((key) => key.kid)).not.toContain(staged);
  } finally {
    await context.close();
    await database.drop();
  }
});
