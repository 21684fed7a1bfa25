/**
 * The one error type that services throw. It carries the wire code and status
 * of DESIGN.md's error shape; the HTTP layer only copies them out.
 */
export interface ErrorDetail {
  field: string;
  reason: string;
}

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extras: { details?: ErrorDetail[]; retryAfterSeconds?: number; clearCookies?: boolean } = {},
  ) {
    super(message);
    this.name = 'AppError';
  }

  static invalidRequest(message: string, details?: ErrorDetail[]): AppError {
    return new AppError(400, 'invalid_request', message, { details });
  }

  static unauthorized(code: string, message: string, clearCookies = false): AppError {
    return new AppError(401, code, message, { clearCookies });
  }

  static forbidden(code: string, message: string): AppError {
    return new AppError(403, code, message);
  }

  static notFound(code: string, message: string): AppError {
    return new AppError(404, code, message);
  }

  static conflict(code: string, message: string): AppError {
    return new AppError(409, code, message);
  }

  static serviceBusy(message: string, retryAfterSeconds: number): AppError {
    return new AppError(503, 'service_busy', message, { retryAfterSeconds });
  }
}
