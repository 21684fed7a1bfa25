import type { ErrorCode } from '../../src/common/error-catalog.js';

/**
 * A code of the service's error catalog when the answer carried one;
 * `network_error` when no answer came, `aborted` when the caller's
 * AbortSignal stopped the request, and `http_<status>` for an answer that
 * is not the service's `{error, message}` (a proxy's error page).
 */
export type AuthClientErrorCode = ErrorCode | 'network_error' | 'aborted' | `http_${number}`;

/** The one error the client throws. `status` is the HTTP status, 0 when there was no answer. */
export class AuthClientError extends Error {
  constructor(
    readonly code: AuthClientErrorCode,
    readonly status: number,
    message: string = code,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AuthClientError';
  }
}
