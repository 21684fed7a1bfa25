/**
 * Every error code this service puts on the wire, with its HTTP status and
 * default message: the one list that the service, the error mapper, the
 * OpenAPI description and the browser client (which imports `ErrorCode`)
 * read. Renaming a code here fails the type check wherever it is used.
 *
 * No imports: the browser client type-checks against this file.
 */
export const ERROR_CATALOG = {
  invalid_request: { status: 400, message: 'The request is invalid.' },
  invalid_reset_token: { status: 400, message: 'This password-reset link is invalid, used or expired; ask for a new one.' },
  invalid_verification_token: { status: 400, message: 'This verification link is invalid, used or expired; ask for a new one.' },

  invalid_credentials: { status: 401, message: 'The email or password is wrong.' },
  authentication_required: { status: 401, message: 'An access token is required.' },
  invalid_token: { status: 401, message: 'The access token is invalid.' },
  token_expired: { status: 401, message: 'The access token has expired; refresh it.' },
  invalid_refresh_token: { status: 401, message: 'The refresh token is invalid.' },
  invalid_client: {
    status: 401,
    message: 'A service credential is required: HTTP Basic with a client id and secret of SERVICE_CREDENTIALS.',
    challenge: 'Basic realm="service clients", charset="UTF-8"',
  },
  session_revoked: { status: 401, message: 'This session has been revoked; sign in again.', clearsCookies: true },
  session_expired: { status: 401, message: 'This session has expired; sign in again.', clearsCookies: true },
  ambiguous_refresh_cookie: {
    status: 401,
    message: 'More than one refresh cookie was sent; both are cleared, sign in again.',
    clearsCookies: true,
  },
  refresh_token_reused: {
    status: 401,
    message: 'This refresh token was already used; the session has been revoked.',
    clearsCookies: true,
  },

  forbidden: { status: 403, message: 'This is not allowed.' },
  csrf_rejected: { status: 403, message: 'Cross-site request refused.' },
  insufficient_role: { status: 403, message: 'This needs a role the caller does not have.' },
  insufficient_scope: { status: 403, message: 'This service credential does not hold the scope this route needs.' },
  email_not_verified: { status: 403, message: 'Verify your email address first: open the link we mailed you, or ask for a new one.' },

  not_found: { status: 404, message: 'No such resource.' },
  session_not_found: { status: 404, message: 'No such session.' },
  key_not_found: { status: 404, message: 'No such signing key.' },
  user_not_found: { status: 404, message: 'No such user.' },
  stream_not_found: { status: 404, message: 'No such stream for this receiver.' },
  method_not_allowed: { status: 405, message: 'This method is not allowed here.' },
  not_acceptable: { status: 406, message: 'This service answers JSON only.' },
  request_timeout: { status: 408, message: 'The request took too long.' },

  email_taken: { status: 409, message: 'An account with this email already exists.' },
  key_not_ready: { status: 409, message: 'The next signing key is not ready to be promoted yet.' },
  key_is_current: { status: 409, message: 'The current key cannot be withdrawn; rotate with force first.' },
  stream_limit_reached: { status: 409, message: 'This receiver has as many streams as it may; delete one first.' },
  conflict: { status: 409, message: 'The request conflicts with the current state.' },
  gone: { status: 410, message: 'This resource is gone.' },
  length_required: { status: 411, message: 'A Content-Length is required.' },
  payload_too_large: { status: 413, message: 'The request body is too large.' },
  uri_too_long: { status: 414, message: 'The request URI is too long.' },
  unsupported_media_type: { status: 415, message: 'Send the body as application/json.' },
  unprocessable_entity: { status: 422, message: 'The request could not be processed.' },
  rate_limited: { status: 429, message: 'Too many attempts; retry later.' },
  headers_too_large: { status: 431, message: 'The request headers are too large.' },

  internal_error: { status: 500, message: 'Something went wrong on our side.' },
  service_busy: { status: 503, message: 'The service is busy; retry shortly.' },
  service_unavailable: { status: 503, message: 'The service cannot reach its database; retry shortly.' },
  database_unavailable: { status: 503, message: 'The database does not answer.' },
} as const satisfies Record<string, ErrorSpec>;

export interface ErrorSpec {
  status: number;
  message: string;
  /** The answer also clears the auth cookies: the session they belong to is over. */
  clearsCookies?: boolean;
  /** Sent as WWW-Authenticate: how to authenticate instead (RFC 9110 §11.6.1). */
  challenge?: string;
}

export type ErrorCode = keyof typeof ERROR_CATALOG;

/** The body of every error answer (DESIGN.md): `details` names the fields of an `invalid_request`. */
export interface ErrorBody {
  error: ErrorCode;
  message: string;
  details?: Array<{ field: string; reason: string }>;
}

export function errorSpec(code: ErrorCode): ErrorSpec {
  return ERROR_CATALOG[code];
}
