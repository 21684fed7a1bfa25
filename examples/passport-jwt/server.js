// A service that is not ours: a plain Node server behind passport-jwt + jwks-rsa.
// AUTH_ISSUER, AUTH_AUDIENCE and AUTH_JWKS_URI name the auth service; PORT (0: any free port).
import { createServer } from 'node:http';
import passport from 'passport';
import { authServiceStrategy } from './auth-service-strategy.js';

passport.use(
  'auth-service',
  authServiceStrategy({ issuer: process.env.AUTH_ISSUER, audience: process.env.AUTH_AUDIENCE, jwksUri: process.env.AUTH_JWKS_URI }),
);

const server = createServer((request, response) => {
  passport.authenticate('auth-service', { session: false }, (error, user) => {
    response.writeHead(error ? 500 : user ? 200 : 401, { 'content-type': 'application/json' });
    response.end(JSON.stringify(user || { error: 'invalid_token' }));
  })(request, response);
});
server.listen(Number(process.env.PORT ?? 4001), '127.0.0.1', () => {
  console.log(JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${server.address().port}` }));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
