import type { SessionSummary } from '../sessions/family.js';
import type { IssuedAccessToken } from '../tokens/access-tokens.service.js';

/** What a login or a refresh hands to the HTTP layer to put in cookies. */
export interface IssuedTokens {
  user: { id: string; email: string; roles: string[]; emailVerified: boolean };
  session: SessionSummary;
  accessToken: IssuedAccessToken;
  refreshToken: string;
}
