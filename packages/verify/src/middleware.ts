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
