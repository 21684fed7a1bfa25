/**
 * The shapes a refresh family is described in, to the rooms that compose
 * sessions (sign-in, the HTTP layer). Nothing here knows passwords or JWTs.
 */
import type { Prisma } from '../database/prisma.service.js';

/** The user a family belongs to, as the session check and a rotation read it with the session. */
export interface SessionOwner {
  id: string;
  email: string;
  roles: string[];
  createdAt: Date;
  emailVerifiedAt: Date | null;
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

/**
 * Checked, and held, inside the transaction that opens a family (a login
 * holds the password it verified, so that a concurrent password change
 * either waits for the new session and revokes it, or makes this false).
 */
export type FamilyPrecondition = (tx: Prisma.TransactionClient) => Promise<boolean>;
