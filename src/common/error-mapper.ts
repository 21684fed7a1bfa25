import { HttpException } from '@nestjs/common';
import { isConnectionLost, isContention } from '../database/database-errors.js';
import { AppError } from './app-error.js';
import { type ErrorBody, type ErrorCode, errorSpec } from './error-catalog.js';

export type { ErrorBody } from './error-catalog.js';

export interface MappedError {
  status: number;
  body: ErrorBody;
  retryAfterSeconds?: number;
  clearCookies: boolean;
  /** The WWW-Authenticate header to send, if any. */
  challenge?: string;
  /** Unexpected: the caller logs it with its stack; the client learns nothing of it. */
  unexpected: boolean;
}

/** A 4xx raised by Nest or a library carries only a status: this is the code each gets. */
const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'invalid_request',
  401: 'authentication_required',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  408: 'request_timeout',
  409: 'conflict',
  410: 'gone',
  411: 'length_required',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  422: 'unprocessable_entity',
  429: 'rate_limited',
  431: 'headers_too_large',
};

/**
 * Fastify's own errors, raised before Nest sees the request (body parsing,
 * limits). Their messages are not meant for clients, so each gets ours.
 */
const FASTIFY_ERRORS: Record<string, [ErrorCode, string?]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: ['payload_too_large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['unsupported_media_type'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['invalid_request', 'The Content-Length does not match the body.'],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['invalid_request', 'The JSON body is empty.'],
  FST_ERR_CTP_INVALID_JSON_BODY: ['invalid_request', 'The body is not valid JSON.'],
  FST_ERR_CTP_INVALID_TYPE: ['invalid_request', 'The Content-Type header is invalid.'],
};

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Long enough for a failover or a restart to be under way, short enough for a user to wait. */
const DATABASE_RETRY_AFTER_SECONDS = 2;

function fromCode(code: ErrorCode, message = errorSpec(code).message, retryAfterSeconds?: number): MappedError {
  const spec = errorSpec(code);
  return {
    status: spec.status,
    body: { error: code, message },
    retryAfterSeconds,
    clearCookies: spec.clearsCookies ?? false,
    challenge: spec.challenge,
    unexpected: false,
  };
}

/** The one place that turns anything thrown into DESIGN.md's error shape. */
export function mapError(error: unknown): MappedError {
  if (error instanceof AppError) {
    const mapped = fromCode(error.code, error.message, error.retryAfterSeconds);
    if (error.details?.length) mapped.body.details = error.details;
    return mapped;
  }

  const code = errorCode(error);
  // Node's HTTP server: the client did not send the whole request within HTTP_REQUEST_TIMEOUT_MS.
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return fromCode('request_timeout');
  if (code?.startsWith('HPE_')) {
    // Node's HTTP parser: the request never became a request.
    return fromCode(code === 'HPE_HEADER_OVERFLOW' ? 'headers_too_large' : 'invalid_request');
  }
  const fastify = code ? FASTIFY_ERRORS[code] : undefined;
  if (fastify) return fromCode(...fastify);

  if (error instanceof SyntaxError && (error as { statusCode?: number }).statusCode === 400) {
    return fromCode('invalid_request', 'The body is not valid JSON.');
  }

  const status = error instanceof HttpException ? error.getStatus() : (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const known = CODE_BY_STATUS[status];
    return known ? fromCode(known) : { ...fromCode('invalid_request', 'The request cannot be served.'), status };
  }

  if (isConnectionLost(error)) return fromCode('service_unavailable', undefined, DATABASE_RETRY_AFTER_SECONDS);
  if (isContention(error)) return fromCode('service_busy', undefined, 1);

  return { ...fromCode('internal_error'), unexpected: true };
}
