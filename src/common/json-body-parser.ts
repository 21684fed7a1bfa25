import type { FastifyRequest } from 'fastify';
import secureJson from 'secure-json-parse';
import { AppError } from './app-error.js';

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
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
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
  done(null, parsed);
}
