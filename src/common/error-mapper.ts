import { HttpException } from '@nestjs/common';
import { AppError, type ErrorDetail } from './app-error.js';

export interface ErrorBody {
  error: string;
  message: string;
  details?: ErrorDetail[];
}

export interface MappedError {
  status: number;
  body: ErrorBody;
  retryAfterSeconds?: number;
  clearCookies: boolean;
  /** Unexpected: the caller logs it with its stack; the client learns nothing of it. */
  unexpected: boolean;
}

const CODE_BY_STATUS: Record<number, [string, string]> = {
  400: ['invalid_request', 'The request is invalid.'],
  401: ['unauthenticated', 'Authentication is required.'],
  403: ['forbidden', 'This is not allowed.'],
  404: ['not_found', 'No such resource.'],
  405: ['method_not_allowed', 'This method is not allowed here.'],
  406: ['not_acceptable', 'This service answers JSON only.'],
  408: ['request_timeout', 'The request took too long.'],
  409: ['conflict', 'The request conflicts with the current state.'],
  410: ['gone', 'This resource is gone.'],
  411: ['length_required', 'A Content-Length is required.'],
  413: ['payload_too_large', 'The request body is too large.'],
  414: ['uri_too_long', 'The request URI is too long.'],
  415: ['unsupported_media_type', 'Send the body as application/json.'],
  422: ['unprocessable_entity', 'The request could not be processed.'],
  429: ['rate_limited', 'Too many requests; retry later.'],
  431: ['headers_too_large', 'The request headers are too large.'],
};

/**
 * Fastify's own errors, raised before Nest sees the request (body parsing,
 * limits). Their messages are not meant for clients, so each gets ours.
 */
const FASTIFY_ERRORS: Record<string, [number, string, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'payload_too_large', 'The request body is too large.'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported_media_type', 'Send the body as application/json.'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'invalid_request', 'The Content-Length does not match the body.'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'invalid_request', 'The JSON body is empty.'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'invalid_request', 'The body is not valid JSON.'],
  FST_ERR_CTP_INVALID_TYPE: [400, 'invalid_request', 'The Content-Type header is invalid.'],
};

/** Driver and pool errors that mean "busy", not "broken": the client may retry. */
const TRANSIENT_DATABASE_CODES = new Set([
  'P2024', // timed out fetching a connection from the pool
  'P2028', // interactive transaction could not start or timed out
  'P2034', // write conflict or deadlock, rolled back
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '53300', // too_many_connections
  '55P03', // lock_not_available
  '57014', // query_canceled (statement timeout)
  '57P03', // cannot_connect_now
]);

/** Prisma 7 reports raw-query driver errors as P2010 with the SQLSTATE nested here. */
function driverCode(error: unknown): string | undefined {
  const cause = (error as { meta?: { driverAdapterError?: { cause?: { originalCode?: unknown; kind?: unknown } } } } | null)?.meta
    ?.driverAdapterError?.cause;
  if (cause?.kind === 'TransactionWriteConflict') return '40001';
  return typeof cause?.originalCode === 'string' ? cause.originalCode : undefined;
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** pg-pool gives up waiting for a free connection with this message and no code. */
const POOL_TIMEOUT = 'timeout exceeded when trying to connect';

function isTransientDatabaseError(error: unknown): boolean {
  if (error instanceof Error && error.message === POOL_TIMEOUT) return true;
  for (const code of [errorCode(error), driverCode(error)]) {
    if (code && TRANSIENT_DATABASE_CODES.has(code)) return true;
  }
  const cause = (error as { cause?: unknown } | null)?.cause;
  return cause !== undefined && cause !== error && isTransientDatabaseError(cause);
}

/** A 4xx raised by Nest or a library: its status stands, our wording replaces theirs. */
function fromStatus(status: number): MappedError {
  const [code, message] = CODE_BY_STATUS[status] ?? ['invalid_request', 'The request cannot be served.'];
  return { status, body: { error: code, message }, clearCookies: false, unexpected: false };
}

/** The one place that turns anything thrown into DESIGN.md's error shape. */
export function mapError(error: unknown): MappedError {
  if (error instanceof AppError) {
    const body: ErrorBody = { error: error.code, message: error.message };
    if (error.extras.details?.length) body.details = error.extras.details;
    return {
      status: error.status,
      body,
      retryAfterSeconds: error.extras.retryAfterSeconds,
      clearCookies: error.extras.clearCookies ?? false,
      unexpected: false,
    };
  }

  const code = errorCode(error);
  if (code?.startsWith('HPE_')) {
    // Node's HTTP parser: the request never became a request.
    return code === 'HPE_HEADER_OVERFLOW' ? fromStatus(431) : fromStatus(400);
  }
  if (code && FASTIFY_ERRORS[code]) {
    const [status, wireCode, message] = FASTIFY_ERRORS[code];
    return { status, body: { error: wireCode, message }, clearCookies: false, unexpected: false };
  }

  if (error instanceof SyntaxError && (error as { statusCode?: number }).statusCode === 400) {
    return { status: 400, body: { error: 'invalid_request', message: 'The body is not valid JSON.' }, clearCookies: false, unexpected: false };
  }

  const status = error instanceof HttpException ? error.getStatus() : (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return fromStatus(status);

  if (isTransientDatabaseError(error)) {
    return {
      status: 503,
      body: { error: 'service_busy', message: 'The service is busy; retry shortly.' },
      retryAfterSeconds: 1,
      clearCookies: false,
      unexpected: false,
    };
  }

  return {
    status: 500,
    body: { error: 'internal_error', message: 'Something went wrong on our side.' },
    clearCookies: false,
    unexpected: true,
  };
}
