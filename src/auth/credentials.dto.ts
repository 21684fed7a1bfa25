import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsString, Length, MaxLength, MinLength, ValidateBy } from 'class-validator';
import { readEmail } from '../users/email.js';
import { PASSWORD_MAX, PASSWORD_MIN } from '../users/users.service.js';

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
  @ApiProperty({ example: 'ann@example.com', maxLength: 254 })
  @EmailField()
  email!: string;

  @ApiProperty({ minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX, example: 'correct horse battery staple' })
  @IsString()
  @Length(PASSWORD_MIN, PASSWORD_MAX, { message: `must be ${PASSWORD_MIN} to ${PASSWORD_MAX} characters` })
  password!: string;
}

/**
 * Login checks only the upper bound: a too-short password is just a wrong
 * one, and answering it differently would describe the policy to a guesser.
 */
export class LoginDto {
  @ApiProperty({ example: 'ann@example.com', maxLength: 254 })
  @EmailField()
  email!: string;

  @ApiProperty({ maxLength: PASSWORD_MAX, example: 'correct horse battery staple' })
  @IsString()
  @MinLength(1)
  @MaxLength(PASSWORD_MAX, { message: `must be at most ${PASSWORD_MAX} characters` })
  password!: string;
}
