// The ceilings for GET /auth/me: a bare node:http server on the same machine.
//   verify: parse the same Cookie header with the same parser (cookie, under
//           @fastify/cookie), verify the same ES256 token with the same library
//           (jsonwebtoken) and key, answer the same JSON;
//   json:   only answer the JSON (the floor of any HTTP work).
import { createServer } from 'node:http';
import { createPublicKey } from 'node:crypto';
import { parseCookie } from 'cookie';
import jwt from 'jsonwebtoken';

const mode = process.env.CEILING_MODE;
const key = mode === 'verify' ? createPublicKey({ key: JSON.parse(process.env.CEILING_JWK), format: 'jwk' }) : undefined;
const options = { algorithms: ['ES256'], issuer: process.env.CEILING_ISSUER, audience: process.env.CEILING_AUDIENCE };
const body = process.env.CEILING_BODY;

const server = createServer((request, response) => {
  if (mode === 'verify') {
    const token = parseCookie(request.headers.cookie ?? '')['__Host-access'];
    try {
      jwt.verify(token, key, options);
    } catch {
      response.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_token"}');
      return;
    }
  }
  response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(body);
});
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
