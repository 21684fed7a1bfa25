import { z } from 'zod';
import { boolean, DAY, documented, integer } from './setting-types.js';

/**
 * The settings of the account flows (password change and reset, email
 * verification, deletion) and of the mail they send; part of the one schema
 * in config.schema.ts, kept here so that neither file outgrows a reading.
 */

/** A From header: no line breaks (header injection), and short enough for any server. */
const mailFrom = z
  .string()
  .max(320, { message: 'must be at most 320 characters' })
  .regex(/^[^\r\n]+$/, { message: 'must be one line, such as "Example <no-reply@example.com>"' });

/** An http(s) page to which the token is appended as the fragment, so it may not have one of its own. */
const linkBaseUrl = z.url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL' }).refine((value) => !value.includes('#'), {
  message: 'must not contain a #fragment: the token is sent as the fragment',
});

export const accountSettingsShape = {
  MAIL_ENABLED: documented(boolean.default(true), {
    doc: 'password reset by email and email verification; `false` turns both off (their routes answer 404 `not_found`, registration mails nothing), and production then needs no SMTP server',
  }),
  SMTP_URL: documented(
    z
      .string()
      .regex(/^smtps?:\/\//, { message: 'must be an smtp:// or smtps:// URL' })
      .optional(),
    {
      doc: '`smtp://user:password@host:587` (STARTTLS when the server offers it; append `?requireTLS=true` to insist) or `smtps://…:465`. Unset outside production: each mail becomes one `development_mail` log line holding its link (development only: that line is a working one-time credential)',
      defaultDoc: 'unset; required in production while `MAIL_ENABLED`',
      secret: true,
    },
  ),
  MAIL_FROM: documented(mailFrom.optional(), {
    doc: 'the From of every mail',
    defaultDoc: '`auth-service <no-reply@localhost>` outside production',
  }),
  ACCOUNT_LINK_BASE_URL: documented(linkBaseUrl.optional(), {
    doc: 'the page (your SPA) that opens mailed links: `<this>#reset-password=<token>` and `<this>#verify-email=<token>`, the token in the fragment so that it never reaches a server log or a Referer; `https://` in production (but for `localhost`)',
    defaultDoc: '`http://localhost:5173/` (the demo) outside production',
  }),
  PASSWORD_RESET_TTL_SECONDS: documented(integer(300, DAY).default(1800), { doc: 'a mailed password-reset link works this long (default 30 minutes)' }),
  EMAIL_VERIFICATION_TTL_SECONDS: documented(integer(600, 30 * DAY).default(2 * DAY), {
    doc: 'a mailed verification link works this long (default 2 days)',
  }),
  LOGIN_REQUIRES_VERIFIED_EMAIL: documented(boolean.default(false), {
    doc: '`true`: a user whose email is not verified gets 403 `email_not_verified` at login (after the password check). `false`: they log in, and `/auth/me` and the access token (`email_verified`) say so',
  }),
  RATE_LIMIT_RECOVERY_PER_IP: documented(integer(1, 100000).default(10), {
    doc: 'per IP per `RATE_LIMIT_WINDOW_SECONDS`: requests to forgot-password, reset, verify and verification-mail together',
  }),
  RATE_LIMIT_MAILS_PER_ACCOUNT: documented(integer(1, 1000).default(3), {
    doc: 'reset and verification mails asked for one address per `RATE_LIMIT_MAIL_WINDOW_SECONDS`, whether the account exists or not (a mail bomb is capped; so is the owner)',
  }),
  RATE_LIMIT_MAIL_WINDOW_SECONDS: documented(integer(60, DAY).default(3600), { doc: 'window of `RATE_LIMIT_MAILS_PER_ACCOUNT`' }),
};

type AccountEnv = { NODE_ENV: string } & z.output<z.ZodObject<typeof accountSettingsShape>>;

/** The rules between settings; `fail` names the setting at fault. */
export function refineAccountSettings(env: AccountEnv, fail: (path: string, message: string) => void): void {
  if (env.LOGIN_REQUIRES_VERIFIED_EMAIL && !env.MAIL_ENABLED) {
    fail('LOGIN_REQUIRES_VERIFIED_EMAIL', 'needs MAIL_ENABLED=true: nobody could verify an address without mail');
  }
  if (env.NODE_ENV !== 'production' || !env.MAIL_ENABLED) return;
  // A reset link that goes nowhere, or a mail that goes to the log, would be a silent failure in production.
  for (const name of ['SMTP_URL', 'MAIL_FROM', 'ACCOUNT_LINK_BASE_URL'] as const) {
    if (!env[name]) fail(name, 'is required when NODE_ENV=production and MAIL_ENABLED=true');
  }
  const link = env.ACCOUNT_LINK_BASE_URL ? new URL(env.ACCOUNT_LINK_BASE_URL) : undefined;
  if (link?.protocol === 'http:' && link.hostname !== 'localhost') {
    fail('ACCOUNT_LINK_BASE_URL', 'must be https:// in production (http:// only for localhost): the link carries a credential');
  }
}
