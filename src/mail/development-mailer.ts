import { Logger } from '@nestjs/common';
import type { MailMessage } from './mail-message.js';
import { Mailer } from './mailer.js';

/**
 * With no SMTP_URL outside production (config.schema.ts refuses it in
 * production), so that `npm start` works without a mail server: each mail
 * becomes one warning line with its link, marked as development output. That
 * line holds a working one-time credential, which is why it never runs in production.
 */
export class DevelopmentMailer extends Mailer {
  private readonly logger = new Logger('DevelopmentMail');

  async send(message: MailMessage): Promise<void> {
    this.logger.warn({
      msg: 'DEVELOPMENT ONLY: mail not sent (no SMTP_URL); open its link yourself',
      event: 'development_mail',
      to: message.to,
      subject: message.subject,
      link: message.link,
    });
  }
}
