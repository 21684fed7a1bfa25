import { accountLink, describeDuration, passwordResetMail, verificationMail } from '../../src/account/account-mails.js';

const TOKEN = '0b6f2a4e-7c1d-4e9a-9b3f-5d8c2e1a7f60.Wj4SMkYG7TEUP3gjv-eXbHYNiCaXEbgK4U5N7abm32M';

test('the token travels in the fragment of the configured page, after its path and query', () => {
  expect(accountLink('https://app.example.com/account?lang=en', 'reset-password', TOKEN)).toBe(`https://app.example.com/account?lang=en#reset-password=${TOKEN}`);
  expect(new URL(accountLink('https://app.example.com/', 'verify-email', TOKEN)).hash).toBe(`#verify-email=${TOKEN}`);
});

test.each([
  [300, '5 minutes'],
  [1800, '30 minutes'],
  [3600, '60 minutes'],
  [7200, '2 hours'],
  [86400, '24 hours'],
  [172800, '2 days'],
  [30 * 86400, '30 days'],
])('%i seconds read as "%s"', (seconds, words) => {
  expect(describeDuration(seconds)).toBe(words);
});

describe.each([
  ['password reset', passwordResetMail, 'Reset your password', /within 30 minutes/],
  ['verification', verificationMail, 'Confirm your email address', /within 30 minutes/],
])('the %s mail', (_name, compose, subject, lifetime) => {
  const link = accountLink('https://app.example.com/a?x=1&y="2"<', 'reset-password', TOKEN);
  const mail = compose('ann@example.com', link, 1800);

  test('says the same in text and HTML, with its lifetime, to the address given', () => {
    expect(mail).toMatchObject({ to: 'ann@example.com', subject, link });
    expect(mail.text).toMatch(lifetime);
    expect(mail.html).toMatch(lifetime);
    expect(mail.text).toContain(`\n${link}\n`);
  });

  test('escapes the link in the HTML, and holds one link and nothing to load or track', () => {
    expect(mail.html).toContain('href="https://app.example.com/a?x=1&amp;y=&quot;2&quot;&lt;#reset-password=');
    expect(mail.html.match(/<a /g)).toHaveLength(1);
    expect(mail.html).not.toMatch(/<img|<script|<link|<style|style=|src=/i);
  });
});
