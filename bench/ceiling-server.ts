// The ceilings for GET /auth/me: a bare node:http server on the same machine.
//   verify: parse the same Cookie header with the same parser (cookie, under
//           @fastify/cookie), verify the same ES256 token with the same library
//           (jsonwebtoken) and key, answer the same JSON;
//   json:   only answer the JSON (the floor of any HTTP work).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { parseCookie } from 'cookie';
import jwt, { type VerifyOptions } from 'jsonwebtoken';

/** Set as CEILING_MODE by the parent. */
export type CeilingMode = 'verify' | 'json';

/** What the server sends its parent over IPC once it listens. */
export interface CeilingReady {
  port: number;
}

function accessTokenVerifier(env: NodeJS.ProcessEnv): (cookieHeader: string | undefined) => boolean {
  if (!env.CEILING_JWK) throw new Error('verify mode needs CEILING_JWK');
  const jwk: JsonWebKey = JSON.parse(env.CEILING_JWK);
  const key = createPublicKey({ key: jwk, format: 'jwk' });
  const options: VerifyOptions = { algorithms: ['ES256'], issuer: env.CEILING_ISSUER, audience: env.CEILING_AUDIENCE };
  return (cookieHeader) => {
    const token = parseCookie(cookieHeader ?? '')['__Host-access'];
    if (!token) return false;
    try {
      jwt.verify(token, key, options);
      return true;
    } catch {
      return false;
    }
  };
}

const verify = process.env.CEILING_MODE === 'verify' ? accessTokenVerifier(process.env) : undefined;
const body = process.env.CEILING_BODY;

const server = createServer((request, response) => {
  if (verify && !verify(request.headers.cookie)) {
    response.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_token"}');
    return;
  }
  response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(body);
});
server.listen(0, '127.0.0.1', () => {
  const ready: CeilingReady = { port: (server.address() as AddressInfo).port };
  process.send?.(ready);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
