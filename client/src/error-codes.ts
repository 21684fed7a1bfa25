import type { ErrorCode } from '../../src/common/error-catalog.js';
import type { LogoutReason } from './auth-state.js';

/**
 * What the client does about the service's 401 codes. Typed by the server's
 * catalog, so a code renamed there fails the client's type check here.
 */

/** The session is over; no refresh can bring it back. */
export const SESSION_OVER: Partial<Record<ErrorCode, LogoutReason>> = {
  session_revoked: 'revoked',
  session_expired: 'expired',
  refresh_token_reused: 'reused',
  invalid_refresh_token: 'no-session',
};

/** A refresh can cure these: the access token expired, or the browser already dropped its cookie. */
export const NEEDS_REFRESH: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['token_expired', 'authentication_required', 'invalid_token']);
