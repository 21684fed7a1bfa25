import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SessionCheck } from '../../src/sessions/session-check.service.js';
import { SignInService } from '../../src/sign-in/sign-in.service.js';
import { UsersService } from '../../src/users/users.service.js';
import { startTestContext, type TestContext } from '../helpers/app.js';
import { PGLITE_TIMEOUT_MS } from '../helpers/database.js';
import { PASSWORD, uniqueEmail, TEST_CLIENT } from '../helpers/users.js';

// `npm start` without DATABASE_URL: the embedded PGlite database, whose
// wire-protocol server confuses connections that talk at once. Found by a
// black-box run (10 parallel refreshes: 500s and a false reuse); the service
// now keeps one connection to it.
let t: TestContext;
const dataDir = mkdtempSync(join(tmpdir(), 'embedded-app-'));

beforeAll(async () => {
  t = await startTestContext({
    database: { url: '', drop: async () => {} },
    env: { DATABASE_URL: '', DATA_DIR: dataDir, MIGRATE_ON_START: 'true', SESSION_CHECK_CACHE_MS: '0' },
  });
}, PGLITE_TIMEOUT_MS);
afterAll(async () => {
  await t?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

test('concurrent refreshes with one token on the embedded database all get the same child', async () => {
  const email = uniqueEmail();
  await t.module.get(UsersService).register(email, PASSWORD, TEST_CLIENT);
  const sessions = t.module.get(SignInService);
  const checks = t.module.get(SessionCheck);
  const client = TEST_CLIENT;
  for (let round = 0; round < 3; round++) {
    const issued = await sessions.login(email, PASSWORD, client);
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => sessions.refresh(issued.refreshToken, client)));
    expect(results.map((result) => result.status)).toEqual(Array(10).fill('fulfilled'));
    const children = new Set(results.map((result) => (result as PromiseFulfilledResult<{ refreshToken: string }>).value.refreshToken));
    expect(children.size).toBe(1);
    await Promise.all(Array.from({ length: 10 }, () => checks.activeSessionOwner(issued.session.id, issued.user.id)));
  }
}, PGLITE_TIMEOUT_MS);
