import { Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { DevelopmentMailer } from './development-mailer.js';
import { MailJobs } from './mail-jobs.js';
import { Mailer } from './mailer.js';
import { SmtpMailer } from './smtp-mailer.js';

/** Without SMTP_URL (never in production: see account-settings.ts) mails go to the log; loadConfig warns at startup. */
function createMailer(config: AppConfig): Mailer {
  return config.mail.smtpUrl ? new SmtpMailer(config.mail.smtpUrl, config.mail.from) : new DevelopmentMailer();
}

/** Mail: the mailer (SMTP, or the log in development) and the queue that runs mail jobs after the answer. */
@Module({
  providers: [{ provide: Mailer, inject: [AppConfig], useFactory: createMailer }, MailJobs],
  exports: [Mailer, MailJobs],
})
export class MailModule {}
