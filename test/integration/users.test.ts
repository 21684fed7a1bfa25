import * as argon2 from 'argon2';
import { AppError } from '../../src/common/app-error.js';
import { PasswordHasher } from '../../src/users/password-hasher.js';
import { UsersService } from '../../src/users/users.service.js';
import { startTestContext, type TestContext } from '../helpers/app.js';
import { PASSWORD, uniqueEmail, TEST_CLIENT } from '../helpers/users.js';

let t: TestContext;
let users: UsersService;
let hasher: PasswordHasher;

beforeAll(async () => {
  t = await startTestContext();
  users = t.module.get(UsersService);
  hasher = t.module.get(PasswordHasher);
});
afterAll(() => t?.close());

test('register stores an argon2id hash with the configured parameters, never the password', async () => {
  const email = uniqueEmail();
  const user = await users.register(` ${email.toUpperCase()}`, PASSWORD, TEST_CLIENT);
  expect(user.email).toBe(email);
  const row = await t.prisma.user.findUniqueOrThrow({ where: { id: user.id } });
  expect(row.passwordHash).toMatch(/^\$argon2id\$v=19\$m=256,p=1,t=1\$/);
  expect(row.passwordHash).not.toContain(PASSWORD);
  expect(await argon2.verify(row.passwordHash, PASSWORD)).toBe(true);
});

test('an unknown email costs an argon2 verification too, and gets the same error', async () => {
  const original = hasher.verifyDummy.bind(hasher);
  let dummyVerifications = 0;
  hasher.verifyDummy = (password: string) => {
    dummyVerifications += 1;
    return original(password);
  };
  try {
    const error = await users.verifyCredentials(uniqueEmail('ghost'), PASSWORD).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('invalid_credentials');
    expect(dummyVerifications).toBe(1);
  } finally {
    hasher.verifyDummy = original;
  }
});

test('a hash made with weaker parameters is upgraded at the next successful login', async () => {
  const email = uniqueEmail();
  const user = await users.register(email, PASSWORD, TEST_CLIENT);
  const weak = await argon2.hash(PASSWORD, { type: argon2.argon2id, memoryCost: 64, timeCost: 1, parallelism: 1 });
  await t.prisma.user.update({ where: { id: user.id }, data: { passwordHash: weak } });

  await users.verifyCredentials(email, PASSWORD);
  const upgraded = (await t.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).passwordHash;
  expect(upgraded).not.toBe(weak);
  expect(upgraded).toMatch(/\$m=256,p=1,t=1\$/);
  await expect(users.verifyCredentials(email, PASSWORD)).resolves.toMatchObject({ user: { id: user.id } });
});

test('a wrong password changes nothing', async () => {
  const email = uniqueEmail();
  const user = await users.register(email, PASSWORD, TEST_CLIENT);
  const before = await t.prisma.user.findUniqueOrThrow({ where: { id: user.id } });
  await expect(users.verifyCredentials(email, 'wrong password')).rejects.toMatchObject({ code: 'invalid_credentials' });
  expect(await t.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).toEqual(before);
});

test('two registrations of one email at the same time: exactly one wins, the other gets email_taken', async () => {
  const email = uniqueEmail();
  const results = await Promise.allSettled([users.register(email, PASSWORD, TEST_CLIENT), users.register(email.toUpperCase(), PASSWORD, TEST_CLIENT)]);
  expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
  const rejected = results.find((result) => result.status === 'rejected') as PromiseRejectedResult;
  expect((rejected.reason as AppError).code).toBe('email_taken');
  expect(await t.prisma.user.count({ where: { email } })).toBe(1);
});

describe('a queue of 0 means no waiting, not no hashing', () => {
  let noQueue: TestContext;
  beforeAll(async () => {
    noQueue = await startTestContext({ env: { ARGON2_MAX_CONCURRENCY: '1', ARGON2_MAX_QUEUE: '0' } });
  });
  afterAll(() => noQueue?.close());

  test('one hash runs; a second at the same moment is refused', async () => {
    const hasher = noQueue.module.get(PasswordHasher);
    const outcomes = await Promise.allSettled([hasher.hash(PASSWORD), hasher.hash(PASSWORD)]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected']);
  });
});

describe('the bounded hashing queue', () => {
  let small: TestContext;
  beforeAll(async () => {
    small = await startTestContext({ env: { ARGON2_MAX_CONCURRENCY: '1', ARGON2_MAX_QUEUE: '2', ARGON2_MEMORY_KIB: '4096' } });
  });
  afterAll(() => small?.close());

  test('runs one hash at a time, queues two, and refuses the rest at once with 503', async () => {
    const bounded = small.module.get(PasswordHasher);
    const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => bounded.hash(PASSWORD)));
    const fulfilled = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const refused = outcomes.filter((outcome) => outcome.status === 'rejected') as PromiseRejectedResult[];
    expect(fulfilled).toHaveLength(3);
    expect(refused).toHaveLength(5);
    for (const outcome of refused) {
      expect(outcome.reason).toMatchObject({ status: 503, code: 'service_busy' });
    }
    // Once the storm has passed, hashing works again.
    await expect(bounded.hash(PASSWORD)).resolves.toMatch(/^\$argon2id\$/);
  });
});
