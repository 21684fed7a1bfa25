import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-jwt';
import { AppConfig } from '../config/app-config.js';
import { SessionCheck } from '../sessions/session-check.service.js';
import { type AccessTokenClaims, AccessTokensService } from '../tokens/access-tokens.service.js';
import { SIGNING_ALGORITHM } from '../tokens/key-generation.js';
import type { Principal } from './principal.js';

export const ACCESS_TOKEN_STRATEGY = 'access-token';

/** A Bearer header wins over the cookie; a malformed Authorization header is not silently skipped. */
export function extractAccessToken(request: FastifyRequest, cookieName: string): string | null {
  const authorization = request.headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer\s+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(authorization);
    return match ? match[1]! : 'malformed';
  }
  return request.cookies?.[cookieName] || null;
}

@Injectable()
export class AccessTokenStrategy extends PassportStrategy(Strategy, ACCESS_TOKEN_STRATEGY) {
  constructor(
    private readonly tokens: AccessTokensService,
    config: AppConfig,
    private readonly sessions: SessionCheck,
  ) {
    super({
      jwtFromRequest: (request: FastifyRequest) => extractAccessToken(request, config.cookies.accessName),
      secretOrKeyProvider: (_request: unknown, rawToken: string, done: (error: unknown, key?: string) => void) => {
        tokens.verificationKeyFor(rawToken).then(
          // jsonwebtoken takes a KeyObject, though passport-jwt's types say string:
          // parsing a PEM on every request would cost more than the signature check.
          (key) => done(null, key as unknown as string),
          (error: unknown) => done(error),
        );
      },
      algorithms: [SIGNING_ALGORITHM],
      issuer: config.tokens.issuer,
      audience: config.tokens.audience,
    });
  }

  async validate(payload: Partial<AccessTokenClaims>): Promise<Principal> {
    const claims = this.tokens.checkedClaims(payload);
    const user = await this.sessions.activeSessionOwner(claims.sid, claims.sub);
    return { userId: user.id, sessionId: claims.sid, roles: user.roles, user, accessTokenExpiresAt: new Date(claims.exp * 1000) };
  }
}
