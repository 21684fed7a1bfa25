/**
 * Why a token was refused. Each code has one meaning a caller can act on:
 * `token_expired` (the client refreshes and retries), `session_revoked` (the
 * user signs in again), `key_unknown` (signed by a key this verifier does not
 * have, or no key set could be fetched), `revocations_unavailable` (fail-closed
 * and the feed has been out of reach too long), `token_missing` (the request
 * carried no Bearer token), `token_invalid` (anything else).
 */
export type VerificationErrorCode =
  | 'token_missing'
  | 'token_invalid'
  | 'token_expired'
  | 'session_revoked'
  | 'key_unknown'
  | 'revocations_unavailable';

const STATUS: Record<VerificationErrorCode, number> = {
  token_missing: 401,
  token_invalid: 401,
  token_expired: 401,
  session_revoked: 401,
  key_unknown: 401,
  revocations_unavailable: 503,
};

export class VerificationError extends Error {
  /** The HTTP status an adapter answers with: 401, or 503 when the refusal is ours rather than the token's. */
  readonly status: number;

  constructor(
    readonly code: VerificationErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'VerificationError';
    this.status = STATUS[code];
  }
}

/** A line for your logs; the default writes JSON to the console. Never given a token or a secret. */
export interface VerifierLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const consoleLogger: VerifierLogger = {
  info: (msg, fields) => console.info(JSON.stringify({ level: 'info', source: '@auth-service/verify', msg, ...fields })),
  warn: (msg, fields) => console.warn(JSON.stringify({ level: 'warn', source: '@auth-service/verify', msg, ...fields })),
  error: (msg, fields) => console.error(JSON.stringify({ level: 'error', source: '@auth-service/verify', msg, ...fields })),
};

/** An error as one line: fetch's own message ("fetch failed") says nothing without its cause (ECONNREFUSED, a timeout). */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  const detail = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : undefined;
  return detail ? `${error.message} (${detail})` : error.message;
}
