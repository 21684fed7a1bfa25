/**
 * The shapes a refresh family is described in, to the rooms that compose
 * sessions (sign-in, the HTTP layer). Nothing here knows passwords or JWTs.
 */

/** The user a family belongs to, as the session check and a rotation read it with the session. */
export interface SessionOwner {
  id: string;
  email: string;
  roles: string[];
  createdAt: Date;
}

export interface SessionSummary {
  id: string;
  idleExpiresAt: Date;
  absoluteExpiresAt: Date;
}

/** A family after a login or a rotation: its newest refresh token, to hand to the client. */
export interface FamilyTokens {
  owner: SessionOwner;
  session: SessionSummary;
  refreshToken: string;
}

/** A new token row; the secret itself is never stored. */
export interface NewToken {
  id: string;
  secretHash: Buffer;
  expiresAt: Date;
}
