import { applyDecorators } from '@nestjs/common';
import { IsString, Length, MaxLength, MinLength } from 'class-validator';
import { PASSWORD_MAX, PASSWORD_MIN } from '../users/users.service.js';
import { EmailField } from './credentials.dto.js';

/** Longer than any token we mail (an `<id>.<secret>` is 80 characters); a shorter malformed one is an invalid token, not invalid input. */
const TOKEN_MAX = 200;

const NEW_PASSWORD_RULE = { message: `must be ${PASSWORD_MIN} to ${PASSWORD_MAX} characters` };

/** The current password is checked like a login's: only its upper bound, so a short one is just a wrong one. */
function CurrentPassword(): PropertyDecorator {
  return applyDecorators(IsString(), MinLength(1), MaxLength(PASSWORD_MAX, { message: `must be at most ${PASSWORD_MAX} characters` }));
}

export class ChangePasswordDto {
  @CurrentPassword()
  currentPassword!: string;

  @IsString()
  @Length(PASSWORD_MIN, PASSWORD_MAX, NEW_PASSWORD_RULE)
  newPassword!: string;
}

/** Forgot-password and a new verification mail. */
export class MailRequestDto {
  @EmailField()
  email!: string;
}

export class ResetPasswordDto {
  @IsString()
  @MinLength(1)
  @MaxLength(TOKEN_MAX)
  token!: string;

  @IsString()
  @Length(PASSWORD_MIN, PASSWORD_MAX, NEW_PASSWORD_RULE)
  password!: string;
}

export class VerifyEmailDto {
  @IsString()
  @MinLength(1)
  @MaxLength(TOKEN_MAX)
  token!: string;
}

export class DeleteAccountDto {
  @CurrentPassword()
  password!: string;
}
