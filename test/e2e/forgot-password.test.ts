import { UsersRepository } from '../../src/users/users.repository.js';
import { UsersService } from '../../src/users/users.service.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { HeldMailJobs } from '../helpers/held-mail-jobs.js';
import { HttpClient, type Reply } from '../helpers/http-client.js';
import { Mailbox } from '../helpers/mailbox.js';
import { PASSWORD, TEST_CLIENT, uniqueEmail } from '../helpers/users.js';

/**
 * "Is there an account for this address?" must not be answerable by asking
 * for a mail. Not measured with a stopwatch: the work done before each answer
 * is counted, and it is the same, and none of it depends on the account.
 */

let t: TestApp;
let mailbox: Mailbox;
let jobs: HeldMailJobs;
let lookups = 0;
beforeAll(async () => {
  mailbox = await Mailbox.start();
  jobs = new HeldMailJobs();
  t = await startTestApp({ mailJobs: jobs, env: { SMTP_URL: mailbox.url } });
  const repository = t.module.get(UsersRepository);
  const findByEmail = repository.findByEmail.bind(repository);
  repository.findByEmail = (email) => {
    lookups += 1;
    return findByEmail(email);
  };
});
afterAll(async () => {
  await jobs?.release();
  await t?.close();
  await mailbox?.close();
});

/** What a client can observe of an answer: its status, its body, and its headers but for the date and the request id. */
function observable(reply: Reply) {
  return { status: reply.status, text: reply.text, headers: [...reply.headers].filter(([name]) => name !== 'date' && name !== 'x-request-id') };
}

describe.each([
  ['/auth/password/forgot', 'Reset your password'],
  ['/auth/email/verification-mail', 'Confirm your email address'],
])('%s', (path, subject) => {
  test('answers a known and an unknown address alike, having done nothing about either account before answering', async () => {
    const known = uniqueEmail('known');
    const unknown = uniqueEmail('unknown');
    // Created without the registration route, whose own verification mail would be one more job to count.
    await t.module.get(UsersService).register(known, PASSWORD, TEST_CLIENT);
    const [lookupsBefore, startedBefore, tokensBefore] = [lookups, jobs.started, await t.prisma.accountToken.count()];

    const forKnown = observable(await new HttpClient(t.baseUrl).post(path, { email: known }));
    const forUnknown = observable(await new HttpClient(t.baseUrl).post(path, { email: unknown }));

    expect(forKnown.status).toBe(202);
    expect(forKnown).toEqual(forUnknown);
    expect(JSON.parse(forKnown.text)).toEqual({ message: expect.stringMatching(/If this address belongs to an account/) });
    // The work done before the answers, counted: one job each, queued alike, none of it started;
    // no account read, no token stored, nothing mailed.
    expect(jobs.waiting).toBe(2);
    expect(jobs.started).toBe(startedBefore);
    expect(lookups).toBe(lookupsBefore);
    expect(await t.prisma.accountToken.count()).toBe(tokensBefore);
    expect(mailbox.to(known)).toHaveLength(0);

    await jobs.release();
    jobs.hold();
    expect(jobs.started).toBe(startedBefore + 2);
    expect(lookups).toBe(lookupsBefore + 2);
    expect(mailbox.to(known).map((mail) => mail.subject)).toEqual([subject]);
    expect(mailbox.to(unknown)).toHaveLength(0);
    expect(await t.prisma.accountToken.count()).toBe(tokensBefore + 1);
  });
});
