import type { FastifyRequest } from 'fastify';
import secureJson from 'secure-json-parse';
import { AppError } from './app-error.js';
import { decodeUtf8, illFormedStringPath } from './well-formed.js';

/**
 * The only body parser: JSON, with `__proto__` and `constructor` keys refused
 * (prototype poisoning). An empty body counts as no body, so that a bodiless
 * POST from a client that always sends Content-Type: application/json works.
 * Invalid UTF-8 is refused rather than silently replaced.
 */
export function parseJsonBody(_request: FastifyRequest, body: Buffer, done: (error: Error | null, value?: unknown) => void): void {
  if (body.length === 0) {
    done(null, undefined);
    return;
  }
  const text = decodeUtf8(body);
  if (text === undefined) {
    done(AppError.invalidRequest('The body is not valid UTF-8.'));
    return;
  }
  let parsed: unknown;
  try {
    parsed = secureJson.parse(text, null, { protoAction: 'error', constructorAction: 'error' });
  } catch {
    done(AppError.invalidRequest('The body is not valid JSON.'));
    return;
  }
  if (depthExceeds(parsed, MAX_DEPTH)) {
    done(AppError.invalidRequest(`The body nests deeper than ${MAX_DEPTH} levels.`));
    return;
  }
  const illFormed = illFormedStringPath(parsed);
  if (illFormed !== undefined) {
    done(AppError.invalidField(illFormed, 'is not well-formed Unicode (a lone surrogate)'));
    return;
  }
  done(null, parsed);
}

/** No request of ours nests more than a few levels; deeper input only feeds recursive validators. */
const MAX_DEPTH = 32;

function depthExceeds(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth > limit) return true;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return false;
}
