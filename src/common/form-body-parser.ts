import type { FastifyRequest } from 'fastify';
import { AppError } from './app-error.js';
import { decodeUtf8, illFormedStringPath } from './well-formed.js';

/**
 * `application/x-www-form-urlencoded`, which OAuth endpoints must take
 * (RFC 7662 §2.1). Parsed for every route, taken only by those marked
 * `@AcceptsForm()` (the route guard refuses it elsewhere with 415). A
 * parameter sent twice is refused, as RFC 6749 §3.1 requires.
 */
export function parseFormBody(_request: FastifyRequest, body: Buffer, done: (error: Error | null, value?: unknown) => void): void {
  const text = decodeUtf8(body);
  if (text === undefined) {
    done(AppError.invalidRequest('The body is not valid UTF-8.'));
    return;
  }
  const parsed: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, value] of new URLSearchParams(text)) {
    if (Object.hasOwn(parsed, name)) {
      done(AppError.invalidField(name, 'is sent more than once'));
      return;
    }
    parsed[name] = value;
  }
  const illFormed = illFormedStringPath(parsed);
  if (illFormed !== undefined) {
    done(AppError.invalidField(illFormed, 'is not well-formed Unicode (a lone surrogate)'));
    return;
  }
  done(null, { ...parsed });
}
