/** One mail, ready to send: both bodies say the same, and `link` is the one thing the mail is for. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** The link the mail carries (a one-time credential): what the development mailer writes to the log. */
  link: string;
}
