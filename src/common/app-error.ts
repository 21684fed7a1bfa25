import { type ErrorCode, errorSpec } from './error-catalog.js';

/**
 * The one error type that services throw. It carries a code of the error
 * catalog (which fixes its status); the HTTP layer only copies them out.
 */
export interface ErrorDetail {
  field: string;
  reason: string;
}

export interface AppErrorOptions {
  /** Replaces the catalog's message when the caller can say more (never a secret or an echoed value). */
  message?: string;
  details?: ErrorDetail[];
  retryAfterSeconds?: number;
}

export class AppError extends Error {
  readonly status: number;
  readonly clearCookies: boolean;
  readonly details: ErrorDetail[] | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(
    readonly code: ErrorCode,
    options: AppErrorOptions = {},
  ) {
    const spec = errorSpec(code);
    super(options.message ?? spec.message);
    this.name = 'AppError';
    this.status = spec.status;
    this.clearCookies = spec.clearsCookies ?? false;
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  /** A 400 naming the fields at fault; `message` summarises them. */
  static invalidRequest(message: string, details?: ErrorDetail[]): AppError {
    return new AppError('invalid_request', { message, details });
  }

  /** A 400 about one field (a path parameter, a cursor). */
  static invalidField(field: string, reason: string): AppError {
    return AppError.invalidRequest(`${field}: ${reason}`, [{ field, reason }]);
  }
}
