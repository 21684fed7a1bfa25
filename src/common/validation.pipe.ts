import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { AppError, type ErrorDetail } from './app-error.js';

function flatten(errors: ValidationError[], parent = ''): ErrorDetail[] {
  return errors.flatMap((error) => {
    const field = error.property ? (parent ? `${parent}.${error.property}` : error.property) : parent || 'body';
    const reasons = Object.entries(error.constraints ?? {}).map(([constraint, message]) => ({
      field,
      reason:
        constraint === 'whitelistValidation'
          ? 'is not an accepted field'
          : constraint === 'unknownValue'
            ? 'must be a JSON object'
            : message.replace(new RegExp(`^${error.property}\\s+`), ''),
    }));
    return [...reasons, ...flatten(error.children ?? [], field)];
  });
}

/**
 * Rejects unknown fields and wrong types instead of coercing them, and names
 * the field and the reason. Values are never echoed (they may be passwords).
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const details = flatten(errors);
      const summary = details.map((detail) => `${detail.field}: ${detail.reason}`).join('; ');
      return AppError.invalidRequest(summary || 'The request body is invalid.', details);
    },
  });
}
