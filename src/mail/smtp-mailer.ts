import { createTransport } from 'nodemailer';
import type { MailMessage } from './mail-message.js';
import { Mailer } from './mailer.js';

/**
 * nodemailer's defaults wait minutes for a silent server; a mail job holds a
 * slot of the bounded mail queue meanwhile, so these are short. Settings in
 * SMTP_URL's query win over them.
 */
const TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

/** Mails through the SMTP server of SMTP_URL, From MAIL_FROM; a connection per mail. */
export class SmtpMailer extends Mailer {
  private readonly transport;

  constructor(smtpUrl: string, from: string) {
    super();
    this.transport = createTransport({ url: smtpUrl, ...TIMEOUTS }, { from });
  }

  async send(message: MailMessage): Promise<void> {
    await this.transport.sendMail({ to: message.to, subject: message.subject, text: message.text, html: message.html });
  }
}
