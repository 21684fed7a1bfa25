import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
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
  @ApiProperty({ minLength: 1, maxLength: PASSWORD_MAX, description: 'Checked like a login, and rate limited like one.' })
  @CurrentPassword()
  currentPassword!: string;

  @ApiProperty({ minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX, example: 'a new and longer passphrase' })
  @IsString()
  @Length(PASSWORD_MIN, PASSWORD_MAX, NEW_PASSWORD_RULE)
  newPassword!: string;
}

/** Forgot-password and a new verification mail. */
export class MailRequestDto {
  @ApiProperty({ example: 'ann@example.com', maxLength: 254 })
  @EmailField()
  email!: string;
}

export class ResetPasswordDto {
  @ApiProperty({ minLength: 1, maxLength: TOKEN_MAX, description: "The `<id>.<secret>` from the mailed link's fragment." })
  @IsString()
  @MinLength(1)
  @MaxLength(TOKEN_MAX)
  token!: string;

  @ApiProperty({ minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX, example: 'a new and longer passphrase' })
  @IsString()
  @Length(PASSWORD_MIN, PASSWORD_MAX, NEW_PASSWORD_RULE)
  password!: string;
}

export class VerifyEmailDto {
  @ApiProperty({ minLength: 1, maxLength: TOKEN_MAX, description: "The `<id>.<secret>` from the mailed link's fragment." })
  @IsString()
  @MinLength(1)
  @MaxLength(TOKEN_MAX)
  token!: string;
}

export class DeleteAccountDto {
  @ApiProperty({ minLength: 1, maxLength: PASSWORD_MAX, description: 'The current password, checked like a login.' })
  @CurrentPassword()
  password!: string;
}
