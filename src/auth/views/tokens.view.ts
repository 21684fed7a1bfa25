import type { IssuedTokens } from '../../sign-in/issued-tokens.js';

/** The body of a login or refresh: who, which session, and when things expire. Never a token. */
export function toTokensView(issued: IssuedTokens) {
  return {
    user: issued.user,
    session: {
      id: issued.session.id,
      idleExpiresAt: issued.session.idleExpiresAt.toISOString(),
      absoluteExpiresAt: issued.session.absoluteExpiresAt.toISOString(),
    },
    accessTokenExpiresAt: issued.accessToken.expiresAt.toISOString(),
  };
}
