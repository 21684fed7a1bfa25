import { MailJobs } from '../../src/mail/mail-jobs.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { HttpClient } from '../helpers/http-client.js';
import { PASSWORD, uniqueEmail } from '../helpers/users.js';

/** Without SMTP_URL (outside production only), a mail is one marked log line holding its link, and no other line holds the token. */

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ captureLogs: true });
});
afterAll(() => t?.close());

test('the verification mail of a registration becomes one development_mail warning with its link', async () => {
  const email = uniqueEmail('dev');
  expect((await new HttpClient(t.baseUrl).post('/auth/register', { email, password: PASSWORD })).status).toBe(201);
  await t.module.get(MailJobs).idle();

  const lines = t.logs.map((line) => JSON.parse(line) as Record<string, unknown>);
  const mails = lines.filter((line) => line.event === 'development_mail');
  expect(mails).toEqual([
    expect.objectContaining({
      level: 'warn',
      msg: expect.stringMatching(/^DEVELOPMENT ONLY/),
      to: email,
      subject: 'Confirm your email address',
      link: expect.stringMatching(/^http:\/\/localhost:5173\/#verify-email=[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/),
    }),
  ]);
  // The job ran after the answer, but its line carries the id of the request that queued it.
  const registration = lines.find((line) => line.msg === 'request completed' && line.path === '/auth/register');
  expect(mails[0]!.queuedBy).toBe(registration!.requestId);
  expect(mails[0]!.requestId).toBeUndefined();
  const token = String(mails[0]!.link).split('=')[1]!;
  expect(t.logs.filter((line) => line.includes(token.split('.')[1]!))).toHaveLength(1);

  const verified = await new HttpClient(t.baseUrl).post('/auth/email/verify', { token });
  expect(verified.status).toBe(204);
});
