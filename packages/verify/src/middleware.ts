import type { IncomingMessage, ServerResponse } from 'node:http';
import { VerificationError } from './errors.js';
import { bearerToken, refusal } from './http.js';
import type { AccessTokenClaims, Verifier } from './verify.js';

export type RequestWithAccessToken = IncomingMessage & { accessToken?: AccessTokenClaims };

/**
 * For Node's http server, Express and Connect: a valid Bearer token puts its
 * claims on `req.accessToken` and calls `next()`; a refusal is answered here
 * (401, or 503 when failing closed); anything unexpected goes to `next(error)`.
 */
export function requireAccessToken(verifier: Verifier) {
  return (request: RequestWithAccessToken, response: ServerResponse, next: (error?: unknown) => void): void => {
    Promise.resolve()
      .then(() => verifier.verify(bearerToken(request.headers.authorization)))
      .then((claims) => {
        request.accessToken = claims;
        next();
      }, (error: unknown) => {
        if (!(error instanceof VerificationError)) return next(error);
        const { status, challenge, body } = refusal(error);
        response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'www-authenticate': challenge, 'cache-control': 'no-store' });
        response.end(JSON.stringify(body));
      });
  };
}

/** For Fastify: `app.addHook('onRequest', accessTokenHook(verifier))`; the claims land on `request.accessToken`. */
export function accessTokenHook(verifier: Verifier) {
  return async (
    request: { headers: IncomingMessage['headers']; accessToken?: AccessTokenClaims },
    reply: { code(status: number): unknown; header(name: string, value: string): unknown; send(body: unknown): unknown },
  ): Promise<void> => {
    try {
      request.accessToken = await verifier.verify(bearerToken(request.headers.authorization));
    } catch (error) {
      if (!(error instanceof VerificationError)) throw error;
      const { status, challenge, body } = refusal(error);
      reply.code(status);
      reply.header('www-authenticate', challenge);
      reply.header('cache-control', 'no-store');
      await reply.send(body);
    }
  };
}

/** Larger than any SET the auth service sends; a bigger body is refused unread. */
const MAX_PUSH_BYTES = 64 * 1024;

function readBody(request: IncomingMessage & { body?: unknown }): Promise<string | null> {
  // A body parser (express.text) may have read it already.
  if (typeof request.body === 'string') return Promise.resolve(request.body);
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_PUSH_BYTES) {
        resolve(null);
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/**
 * For Node's http server, Express and Connect, at the `endpointUrl` of SSF
 * push delivery: answers each POST of the auth service as RFC 8935 says
 * (202, or 400/401 with `{"err", "description"}`).
 */
export function receivePushedEvents(verifier: Verifier) {
  return (request: IncomingMessage & { body?: unknown }, response: ServerResponse, next: (error?: unknown) => void = () => undefined): void => {
    if (request.method !== 'POST') {
      response.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    readBody(request)
      .then((body) =>
        body === null
          ? { status: 413, body: { err: 'invalid_request', description: 'the body is too large for a SET' } }
          : verifier.receivePushedEvent({ authorization: request.headers.authorization, contentType: request.headers['content-type'], body }),
      )
      .then((answer) => {
        if (!answer.body) {
          response.writeHead(answer.status).end();
          return;
        }
        response.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
        response.end(JSON.stringify(answer.body));
      }, next);
  };
}
