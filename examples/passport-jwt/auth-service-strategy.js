// The auth service's access tokens in a passport-jwt + jwks-rsa stack (docs/validating-tokens.md).
// Every option matters: without `algorithms` a token could pick its own algorithm; without the
// `typ` check any other JWT signed by the same keys would pass; a jwks-rsa cache longer than the
// JWKS's max-age + stale-while-revalidate could miss a key rotation.
import jwt from 'jsonwebtoken';
import { passportJwtSecret } from 'jwks-rsa';
import { ExtractJwt, Strategy } from 'passport-jwt';

export function authServiceStrategy({ issuer, audience, jwksUri }) {
  const keyFor = passportJwtSecret({
    jwksUri,
    cache: true,
    cacheMaxAge: 5 * 60 * 1000,
    // An unknown kid costs one fetch; ten a minute at most, so random kids cannot hammer the auth service.
    rateLimit: true,
    jwksRequestsPerMinute: 10,
  });
  return new Strategy(
    {
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKeyProvider(request, rawJwt, done) {
        const header = jwt.decode(rawJwt, { complete: true })?.header;
        const type = typeof header?.typ === 'string' ? header.typ.toLowerCase().replace(/^application\//, '') : undefined;
        if (type !== 'at+jwt' || header.crit !== undefined) return done(new Error('not an access token of the auth service'));
        keyFor(request, rawJwt, done);
      },
      algorithms: ['ES256'],
      issuer,
      audience,
      // jsonwebtoken checks exp and nbf; maxAge also refuses a token issued longer ago than any the service issues.
      jsonWebTokenOptions: { clockTolerance: 5, maxAge: '15m' },
    },
    (claims, done) => done(null, { userId: claims.sub, sessionId: claims.sid, roles: claims.roles }),
  );
}
