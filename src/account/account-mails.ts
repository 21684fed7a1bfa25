import escapeHtml from 'escape-html';
import { AppError } from '../common/app-error.js';
import type { AppConfig } from '../config/app-config.js';
import type { MailMessage } from '../mail/mail-message.js';

/**
 * The mails of the account flows: plain text and the same words in HTML,
 * short, with one link and nothing else: no images, no tracking pixels, no
 * redirects through another host.
 */

export type LinkKind = 'reset-password' | 'verify-email';

/**
 * The token goes in the fragment: browsers send it to no server, so it is
 * in no access log and no Referer; the page reads it from `location.hash`.
 */
export function accountLink(baseUrl: string, kind: LinkKind, token: string): string {
  return `${baseUrl}#${kind}=${token}`;
}

/** "30 minutes", "2 hours", "2 days": the lifetime as the mail says it. */
export function describeDuration(seconds: number): string {
  const [amount, unit] =
    seconds < 2 * 3600 ? [Math.round(seconds / 60), 'minute'] : seconds < 2 * 86400 ? [Math.round(seconds / 3600), 'hour'] : [Math.round(seconds / 86400), 'day'];
  return `${amount} ${unit}${amount === 1 ? '' : 's'}`;
}

function compose(to: string, subject: string, link: string, lines: { before: string; action: string; after: string }): MailMessage {
  const text = `${lines.before}\n\n${link}\n\n${lines.after}\n`;
  const html =
    '<!doctype html><html><body>' +
    `<p>${escapeHtml(lines.before)}</p>` +
    `<p><a href="${escapeHtml(link)}">${escapeHtml(lines.action)}</a></p>` +
    `<p>${escapeHtml(lines.after)}</p>` +
    '</body></html>';
  return { to, subject, text, html, link };
}

export function passwordResetMail(to: string, link: string, ttlSeconds: number): MailMessage {
  return compose(to, 'Reset your password', link, {
    before: `Someone, hopefully you, asked to reset the password of your account. To choose a new one, open this link within ${describeDuration(ttlSeconds)}:`,
    action: 'Choose a new password',
    after: 'The link works once, and signs you out everywhere. If you did not ask for it, ignore this mail: your password stays as it is.',
  });
}

export function verificationMail(to: string, link: string, ttlSeconds: number): MailMessage {
  return compose(to, 'Confirm your email address', link, {
    before: `To confirm that this is your address, open this link within ${describeDuration(ttlSeconds)}:`,
    action: 'Confirm my address',
    after: 'If you did not create an account, ignore this mail.',
  });
}

/** With MAIL_ENABLED=false the routes that mail, or use what was mailed, do not exist. */
export function assertMailEnabled(config: AppConfig): void {
  if (!config.mail.enabled) throw new AppError('not_found', { message: 'Account mails are turned off on this service.' });
}
