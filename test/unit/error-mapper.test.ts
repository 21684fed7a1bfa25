import { BadRequestException, NotFoundException, UnauthorizedException } from '@nestjs/common';
import { AppError } from '../../src/common/app-error.js';
import { mapError } from '../../src/common/error-mapper.js';
import { ERROR_CATALOG, type ErrorCode, type ErrorSpec } from '../../src/common/error-catalog.js';

describe('mapError: AppError', () => {
  test('passes code, status, message, details and retryAfter through', () => {
    const error = new AppError('rate_limited', {
      message: 'Too many login attempts.',
      details: [{ field: 'email', reason: 'too many attempts' }],
      retryAfterSeconds: 42,
    });
    expect(mapError(error)).toEqual({
      status: 429,
      body: { error: 'rate_limited', message: 'Too many login attempts.', details: [{ field: 'email', reason: 'too many attempts' }] },
      retryAfterSeconds: 42,
      clearCookies: false,
      unexpected: false,
    });
  });

  test('without extras: no details key, clearCookies false, no retryAfter', () => {
    const mapped = mapError(new AppError('email_taken', { message: 'This email is already registered.' }));
    expect(mapped.status).toBe(409);
    expect(mapped.body).toEqual({ error: 'email_taken', message: 'This email is already registered.' });
    expect(mapped.body).not.toHaveProperty('details');
    expect(mapped.clearCookies).toBe(false);
    expect(mapped.retryAfterSeconds).toBeUndefined();
    expect(mapped.unexpected).toBe(false);
  });

  test('an empty details array is left out of the body', () => {
    const mapped = mapError(AppError.invalidRequest('Bad.', []));
    expect(mapped.body).not.toHaveProperty('details');
  });

  test('a code that ends the session clears the cookies (the catalog says which)', () => {
    const mapped = mapError(new AppError('session_revoked', { message: 'The session has ended.' }));
    expect(mapped).toMatchObject({ status: 401, body: { error: 'session_revoked' }, clearCookies: true });
  });

  test('serviceBusy keeps its retryAfterSeconds', () => {
    expect(mapError(new AppError('service_busy', { message: 'Busy.', retryAfterSeconds: 3 }))).toMatchObject({ status: 503, body: { error: 'service_busy' }, retryAfterSeconds: 3 });
  });
});

describe('mapError: Fastify errors', () => {
  test("code 'FST_ERR_CTP_BODY_TOO_LARGE' -> 413 payload_too_large", () => {
    const error = Object.assign(new Error('Request body is too large'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 });
    const mapped = mapError(error);
    expect(mapped.status).toBe(413);
    expect(mapped.body.error).toBe('payload_too_large');
    expect(mapped.unexpected).toBe(false);
  });

  test("a plain object with code 'FST_ERR_CTP_BODY_TOO_LARGE' -> 413 too", () => {
    expect(mapError({ code: 'FST_ERR_CTP_BODY_TOO_LARGE' })).toMatchObject({ status: 413, body: { error: 'payload_too_large' } });
  });

  test("code 'FST_ERR_CTP_INVALID_MEDIA_TYPE' -> 415 unsupported_media_type", () => {
    const error = Object.assign(new Error("Unsupported Media Type: text/plain"), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 });
    const mapped = mapError(error);
    expect(mapped.status).toBe(415);
    expect(mapped.body.error).toBe('unsupported_media_type');
    expect(mapped.body.message).not.toContain('text/plain');
  });

  test('a SyntaxError with statusCode 400 -> 400 invalid_request', () => {
    const error = Object.assign(new SyntaxError('Unexpected token } in JSON at position 7'), { statusCode: 400 });
    const mapped = mapError(error);
    expect(mapped.status).toBe(400);
    expect(mapped.body.error).toBe('invalid_request');
    expect(mapped.body.message).not.toContain('position 7');
    expect(mapped.unexpected).toBe(false);
  });

  test('a SyntaxError without a statusCode is not a client error', () => {
    const mapped = mapError(new SyntaxError('Unexpected token in code'));
    expect(mapped.status).toBe(500);
    expect(mapped.unexpected).toBe(true);
  });
});

describe('mapError: Nest HttpExceptions', () => {
  test('NotFoundException -> 404 not_found', () => {
    const mapped = mapError(new NotFoundException('Cannot GET /nope'));
    expect(mapped.status).toBe(404);
    expect(mapped.body.error).toBe('not_found');
    expect(mapped.body.message).not.toContain('/nope');
    expect(mapped.unexpected).toBe(false);
  });

  test('BadRequestException -> 400 invalid_request and UnauthorizedException -> 401', () => {
    expect(mapError(new BadRequestException())).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    expect(mapError(new UnauthorizedException())).toMatchObject({ status: 401, body: { error: 'authentication_required' } });
  });
});

describe('mapError: transient database errors', () => {
  test.each(['P2028', '40P01', 'P2034', '40001'])("code '%s' -> 503 service_busy with retryAfterSeconds", (code) => {
    const mapped = mapError(Object.assign(new Error('Transaction API error: deadlock'), { code }));
    expect(mapped.status).toBe(503);
    expect(mapped.body.error).toBe('service_busy');
    expect(mapped.retryAfterSeconds).toEqual(expect.any(Number));
    expect(mapped.retryAfterSeconds!).toBeGreaterThan(0);
    expect(mapped.unexpected).toBe(false);
    expect(mapped.body.message).not.toContain('deadlock');
  });

  test.each(['P2028', '40P01'])("code '%s' nested as cause -> 503 service_busy", (code) => {
    const error = new Error('driver adapter error', { cause: Object.assign(new Error('deadlock detected'), { code }) });
    const mapped = mapError(error);
    expect(mapped.status).toBe(503);
    expect(mapped.body.error).toBe('service_busy');
    expect(mapped.retryAfterSeconds).toBeGreaterThan(0);
  });

  test('code nested two causes deep -> 503', () => {
    const inner = Object.assign(new Error('deadlock'), { code: '40P01' });
    const error = new Error('outer', { cause: new Error('middle', { cause: inner }) });
    expect(mapError(error).status).toBe(503);
  });

  test('a self-referencing cause does not loop forever', () => {
    const error = new Error('loop') as Error & { cause?: unknown };
    error.cause = error;
    expect(mapError(error).status).toBe(500);
  });

  test('a non-transient database code (unique violation) is not service_busy', () => {
    expect(mapError(Object.assign(new Error('duplicate key'), { code: '23505' })).status).toBe(500);
  });
});

describe('mapError: unexpected errors', () => {
  test('a plain Error -> 500 internal_error that leaks nothing and is flagged unexpected', () => {
    const mapped = mapError(new Error('select * from users; secret'));
    expect(mapped.status).toBe(500);
    expect(mapped.body.error).toBe('internal_error');
    expect(mapped.body.message).not.toContain('select');
    expect(mapped.body.message).not.toContain('secret');
    expect(JSON.stringify(mapped.body)).not.toContain('users');
    expect(mapped.body).not.toHaveProperty('details');
    expect(mapped.unexpected).toBe(true);
    expect(mapped.clearCookies).toBe(false);
  });

  test.each([null, undefined, 'a string', 42])('a thrown non-error %p -> 500 internal_error', (thrown) => {
    const mapped = mapError(thrown);
    expect(mapped.status).toBe(500);
    expect(mapped.body.error).toBe('internal_error');
    expect(mapped.unexpected).toBe(true);
  });
});

describe('driver errors of raw queries and the HTTP parser', () => {
  test.each(['40P01', '40001', '55P03', '57014'])('P2010 carrying SQLSTATE %s is contention: 503', (originalCode) => {
    const error = Object.assign(new Error('raw query failed'), {
      code: 'P2010',
      meta: { driverAdapterError: { cause: { originalCode, kind: 'postgres' } } },
    });
    expect(mapError(error)).toMatchObject({ status: 503, body: { error: 'service_busy' }, unexpected: false });
  });

  test('P2010 carrying a constraint violation is not contention', () => {
    const error = Object.assign(new Error('raw query failed'), {
      code: 'P2010',
      meta: { driverAdapterError: { cause: { originalCode: '23505' } } },
    });
    expect(mapError(error)).toMatchObject({ status: 500, unexpected: true });
  });

  test('HPE_HEADER_OVERFLOW is 431, other parser errors 400', () => {
    expect(mapError(Object.assign(new Error('x'), { code: 'HPE_HEADER_OVERFLOW' })).status).toBe(431);
    expect(mapError(Object.assign(new Error('x'), { code: 'HPE_INVALID_HEADER_TOKEN' })).status).toBe(400);
  });
});

describe('the error catalog', () => {
  test('every code is snake_case and keeps its catalog status and message on the wire', () => {
    for (const [code, spec] of Object.entries(ERROR_CATALOG) as Array<[ErrorCode, ErrorSpec]>) {
      expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/);
      const mapped = mapError(new AppError(code));
      expect(mapped.status).toBe(spec.status);
      expect(mapped.body).toEqual({ error: code, message: spec.message });
      expect(mapped.clearCookies).toBe(spec.clearsCookies ?? false);
    }
  });

  test('only the codes that end the session (or make it ambiguous) clear the cookies', () => {
    const clearing = Object.entries(ERROR_CATALOG as Record<string, ErrorSpec>).filter(([, spec]) => spec.clearsCookies).map(([code]) => code);
    expect(clearing.sort()).toEqual(['ambiguous_refresh_cookie', 'refresh_token_reused', 'session_expired', 'session_revoked']);
  });
});

describe('mapError: the database unreachable or going away', () => {
  const outage = (error: unknown) => expect(mapError(error)).toEqual({
    status: 503,
    body: { error: 'service_unavailable', message: expect.any(String) },
    retryAfterSeconds: 2,
    clearCookies: false,
    unexpected: false,
  });

  test.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH'])('a socket error %s', (code) => {
    outage(Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code, errno: -1, syscall: 'connect' }));
  });

  test.each(['57P01', '57P02', '57P03', '08006', '08001', '08003'])('SQLSTATE %s from the server', (code) => {
    outage(Object.assign(new Error('terminating connection'), { code, severity: 'FATAL' }));
  });

  test.each(['P1001', 'P1002', 'P1017'])("Prisma's %s", (code) => {
    outage(Object.assign(new Error("Can't reach database server"), { code }));
  });

  test.each(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout'])("Prisma's pg adapter kind %s", (kind) => {
    outage(Object.assign(new Error('driver adapter error'), { code: 'P2010', meta: { driverAdapterError: { cause: { kind } } } }));
  });

  test.each(['Connection terminated unexpectedly', 'Connection terminated due to connection timeout', 'Query read timeout'])(
    "pg's message without a code: %s",
    (message) => outage(new Error(message)),
  );

  test('nested as the cause of another error', () => {
    outage(new Error('outer', { cause: Object.assign(new Error('inner'), { code: 'ECONNREFUSED' }) }));
  });

  test('a plain Error that merely mentions a connection is not an outage', () => {
    expect(mapError(new Error('connection string parsing failed')).status).toBe(500);
  });
});

test('docs/http-api.md names every code of the catalog', async () => {
  const { readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const documented = readFileSync(join(import.meta.dirname, '../../docs/http-api.md'), 'utf8');
  const missing = Object.keys(ERROR_CATALOG).filter((code) => !documented.includes(`\`${code}\``));
  expect(missing).toEqual([]);
});
