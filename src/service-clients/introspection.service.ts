import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import { SessionCheck } from '../sessions/session-check.service.js';
import { type AccessTokenClaims, AccessTokensService } from '../tokens/access-tokens.service.js';

export type Introspection = { active: false } | { active: true; claims: AccessTokenClaims; roles: string[] };

/**
 * RFC 7662 introspection: whether a token is one of our access tokens, with
 * a valid signature from a published key, unexpired, of a live session, as
 * of now. Any refusal is `{active: false}` and says no more, so that the
 * answer cannot be used to probe why. `roles` are the user's roles as
 * stored now, which this service's own routes enforce too.
 */
@Injectable()
export class IntrospectionService {
  constructor(
    private readonly tokens: AccessTokensService,
    private readonly sessions: SessionCheck,
  ) {}

  async introspect(rawToken: string): Promise<Introspection> {
    try {
      const claims = await this.tokens.verify(rawToken);
      const owner = await this.sessions.activeSessionOwner(claims.sid, claims.sub);
      return { active: true, claims, roles: owner.roles };
    } catch (error) {
      // An unreachable database is not an inactive token: it stays a 503.
      if (error instanceof AppError) return { active: false };
      throw error;
    }
  }
}
