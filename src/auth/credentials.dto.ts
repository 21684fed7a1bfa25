import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsEmail, IsString, Length, MaxLength, MinLength, ValidateBy } from 'class-validator';
import { readEmail } from '../users/email.js';

/** Upper bound on passwords: argon2 cost is per byte of input, so length is a DoS lever. */
export const PASSWORD_MAX = 256;
export const PASSWORD_MIN = 8;

/**
 * Shared by every body with an email: the rest of the request sees the
 * canonical spelling (src/users/email.ts), so a look-alike either is the
 * same address or is refused here, naming the field.
 */
export function EmailField(): PropertyDecorator {
  return applyDecorators(
    // A value without a canonical spelling keeps its text, so that the checks below can say what is wrong with it.
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? (readEmail(value).email ?? value.trim()) : value)),
    IsString(),
    MaxLength(254),
    ValidateBy({
      name: 'canonicalEmail',
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || readEmail(value).problem === undefined,
        defaultMessage: (args) => (typeof args?.value === 'string' && readEmail(args.value).problem) || 'must be an email address',
      },
    }),
    IsEmail({ allow_ip_domain: false, require_tld: true }, { message: 'must be an email address' }),
  );
}

export class RegisterDto {
  @EmailField()
  email!: string;

  @IsString()
  @Length(PASSWORD_MIN, PASSWORD_MAX, { message: `must be ${PASSWORD_MIN} to ${PASSWORD_MAX} characters` })
  password!: string;
}

/**
 * Login checks only the upper bound: a too-short password is just a wrong
 * one, and answering it differently would describe the policy to a guesser.
 */
export class LoginDto {
  @EmailField()
  email!: string;

  @IsString()
  @MinLength(1)
  @MaxLength(PASSWORD_MAX, { message: `must be at most ${PASSWORD_MAX} characters` })
  password!: string;
}
