import type { MailMessage } from './mail-message.js';

/** Sends a mail, or throws; injectable, so that tests send to an SMTP server of their own. */
export abstract class Mailer {
  abstract send(message: MailMessage): Promise<void>;
}
