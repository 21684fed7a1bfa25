import { type ArgumentMetadata, ValidationPipe, type ValidationError } from '@nestjs/common';
import { AppError, type ErrorDetail } from './app-error.js';
import { illFormedStringPath } from './well-formed.js';

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
/** Refuses text that is not well-formed Unicode in any argument (query, path, body) before class-validator reads it. */
class WellFormedValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const illFormed = illFormedStringPath(value, metadata.type === 'param' ? (metadata.data ?? 'path') : '');
    if (illFormed !== undefined) throw AppError.invalidField(illFormed, 'is not well-formed Unicode (a lone surrogate)');
    return super.transform(value, metadata);
  }
}

export function createValidationPipe(): ValidationPipe {
  return new WellFormedValidationPipe({
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
