import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsEmail, IsString, Length, Matches, MaxLength, MinLength } from 'class-validator';

/** Upper bound on passwords: argon2 cost is per byte of input, so length is a DoS lever. */
export const PASSWORD_MAX = 256;
export const PASSWORD_MIN = 8;

/** Shared by register and login, so that a string the database could not store never reaches it. */
function EmailField(): PropertyDecorator {
  return applyDecorators(
    // Surrounding spaces are a paste accident, not part of the address.
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value)),
    IsString(),
    MaxLength(254),
    // Invisible and direction-changing characters make one address look like another.
    Matches(/^[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}]*$/u, { message: 'must not contain control or invisible formatting characters' }),
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
