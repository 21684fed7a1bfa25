import { ApiProperty } from '@nestjs/swagger';

const MAIL_REQUESTED = 'If this address belongs to an account, a mail with a link is on its way.';

/** The answer to "mail me a link": the same whether the address has an account or not. */
export class MailRequestedView {
  @ApiProperty({ example: MAIL_REQUESTED }) message!: string;
}

export function toMailRequestedView(): MailRequestedView {
  return { message: MAIL_REQUESTED };
}

/** A password change: how many other sessions (devices) were signed out; this one stays. */
export class PasswordChangedView {
  @ApiProperty({ minimum: 0, description: 'Other sessions of the account that were ended; the one that asked stays.' }) sessionsEnded!: number;
}

export function toPasswordChangedView(sessionsEnded: number): PasswordChangedView {
  return { sessionsEnded };
}
