import { Injectable, Logger } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import { Clock } from '../common/clock.js';
import { Random } from '../common/random.js';
import { AppConfig } from '../config/app-config.js';
import { AccessTokensService, type IssuedAccessToken } from '../tokens/access-tokens.service.js';
import type { PublicUser } from '../users/user.js';
import { UsersService } from '../users/users.service.js';
import type { ClientInfo } from './client-info.js';
import {
  deriveChildSecret,
  formatRefreshToken,
  hashSecret,
  parseRefreshToken,
  SECRET_BYTES,
  secretMatches,
} from './refresh-token.js';
import { decideOnUsedToken, nextIdleExpiry, sessionState, type SessionState } from './session-rules.js';
import { SessionCheckCache } from './session-check-cache.js';
import { type FoundToken, SessionsRepository } from './sessions.repository.js';

export interface SessionSummary {
  id: string;
  idleExpiresAt: Date;
  absoluteExpiresAt: Date;
}

/** What a login or a refresh hands to the HTTP layer to put in cookies. */
export interface IssuedTokens {
  user: Pick<PublicUser, 'id' | 'email' | 'roles'>;
  session: SessionSummary;
  accessToken: IssuedAccessToken;
  refreshToken: string;
}

export const AUDIT = {
  login: 'login_succeeded',
  loginFailed: 'login_failed',
  logout: 'session_revoked_by_user',
  logoutAll: 'all_sessions_revoked_by_user',
  reuse: 'refresh_token_reuse_detected',
} as const;

const REVOKE_REASON = {
  logout: 'logout',
  logoutAll: 'logout_all',
  reuse: 'refresh_token_reused',
} as const;

export interface RevocationFeed {
  revoked: Array<{ sid: string; revokedAt: Date }>;
  /** Pass as `since` on the next poll. */
  next: Date;
  /** False when more entries follow from `next` at once. */
  complete: boolean;
  windowSeconds: number;
}

/** Tokens are checked by peers whose clocks may run a little behind ours. */
const REVOCATION_MARGIN_SECONDS = 120;
const MAX_FEED_ENTRIES = 5000;
/** Longer than a revocation can take to commit (pool wait plus lock_timeout). */
const FEED_OVERLAP_MS = 30_000;

/** A user sees at most this many of their own sessions, newest first. */
const MAX_LISTED_SESSIONS = 100;

/**
 * Step 1 changes nothing, not even the cookies: the answer may belong to a
 * stale request that finishes after a fresh login set new ones.
 */
function invalidRefreshToken(): AppError {
  return AppError.unauthorized('invalid_refresh_token', 'The refresh token is invalid.');
}

export function sessionEnded(state: Exclude<SessionState, 'active'>): AppError {
  return state === 'revoked'
    ? AppError.unauthorized('session_revoked', 'This session has been revoked; sign in again.', true)
    : AppError.unauthorized('session_expired', 'This session has expired; sign in again.', true);
}

@Injectable()
export class SessionsService {
  private readonly logger = new Logger(SessionsService.name);

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly users: UsersService,
    private readonly accessTokens: AccessTokensService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly checks: SessionCheckCache,
  ) {}

  /** Verifies the password and opens a new family; never continues one a client names. */
  async login(email: string, password: string, client: ClientInfo): Promise<IssuedTokens> {
    let user: PublicUser;
    try {
      user = await this.users.verifyCredentials(email, password);
    } catch (error) {
      if (error instanceof AppError && error.code === 'invalid_credentials') {
        this.logger.warn({ msg: 'login failed', event: AUDIT.loginFailed, ip: client.ip });
      }
      throw error;
    }
    const now = this.clock.now();
    const absoluteExpiresAt = new Date(now.getTime() + this.config.sessions.absoluteTtlSeconds * 1000);
    const idleExpiresAt = nextIdleExpiry(now, this.config.sessions.idleTtlSeconds, absoluteExpiresAt);
    const sessionId = this.random.uuid();
    const token = { id: this.random.uuid(), secret: this.random.bytes(SECRET_BYTES) };

    await this.sessions.createSession(
      {
        id: sessionId,
        userId: user.id,
        now,
        idleExpiresAt,
        absoluteExpiresAt,
        userAgent: client.userAgent,
        ip: client.ip,
        firstToken: { id: token.id, secretHash: hashSecret(token.secret), expiresAt: idleExpiresAt },
      },
      { type: AUDIT.login, userId: user.id, sessionId, actor: user.id, ip: client.ip, userAgent: client.userAgent },
    );
    this.logger.log({ msg: 'session started', event: AUDIT.login, userId: user.id, sessionId });
    return {
      user: { id: user.id, email: user.email, roles: user.roles },
      session: { id: sessionId, idleExpiresAt, absoluteExpiresAt },
      accessToken: this.accessTokens.issue({ userId: user.id, sessionId, roles: user.roles, sessionEndsAt: absoluteExpiresAt }),
      refreshToken: formatRefreshToken(token),
    };
  }

  /** DESIGN.md "Refresh rotation, exactly", steps 1 to 5. */
  async refresh(rawToken: string | undefined, client: ClientInfo): Promise<IssuedTokens> {
    const presented = parseRefreshToken(rawToken);
    if (!presented) throw invalidRefreshToken();
    let found = await this.sessions.findToken(presented.id);
    if (!found || !secretMatches(presented.secret, found.secretHash)) throw invalidRefreshToken();
    const now = this.clock.now();
    this.assertActive(found, now);

    if (!found.usedAt) {
      const { session } = found;
      const idleExpiresAt = nextIdleExpiry(now, this.config.sessions.idleTtlSeconds, session.absoluteExpiresAt);
      const outcome = await this.sessions.rotate({
        sessionId: session.id,
        tokenId: found.id,
        now,
        idleExpiresAt,
        makeChild: () => {
          const id = this.random.uuid();
          const secret = deriveChildSecret(this.config.sessions.refreshPepper, presented.secret, id);
          return { id, secret, secretHash: hashSecret(secret), expiresAt: idleExpiresAt };
        },
      });
      if (outcome.kind === 'rotated') {
        return this.issued(found.session, idleExpiresAt, { id: outcome.child.id, secret: outcome.child.secret });
      }
      // Revoked, expired or used by a concurrent request meanwhile: decide on what is stored now.
      found = await this.sessions.findToken(presented.id);
      if (!found) throw invalidRefreshToken();
      this.assertActive(found, now);
      if (outcome.kind === 'session_inactive' || !found.usedAt) throw sessionEnded('revoked');
    }
    return this.replayOrRevoke(presented, { ...found, usedAt: found.usedAt }, client, now);
  }

  /**
   * Ends the caller's session, found from the refresh cookie or else from the
   * access token. Idempotent: an unknown or already-ended session is not an error.
   */
  async logout(from: { refreshToken?: string; sessionId?: string }, client: ClientInfo): Promise<void> {
    let sessionId = from.sessionId;
    const presented = parseRefreshToken(from.refreshToken);
    if (presented) {
      const found = await this.sessions.findToken(presented.id);
      if (found && secretMatches(presented.secret, found.secretHash)) sessionId = found.session.id;
    }
    if (!sessionId) return;
    const session = await this.sessions.findSession(sessionId);
    if (!session) return;
    await this.revoke(session.userId, session.id, REVOKE_REASON.logout, client);
  }

  async logoutAll(userId: string, client: ClientInfo): Promise<number> {
    const now = this.clock.now();
    const count = await this.sessions.revokeAllForUser(userId, REVOKE_REASON.logoutAll, now, {
      type: AUDIT.logoutAll,
      userId,
      actor: userId,
      ip: client.ip,
      userAgent: client.userAgent,
    });
    this.logger.log({ msg: 'all sessions revoked', event: AUDIT.logoutAll, userId, sessions: count });
    return count;
  }

  listActive(userId: string) {
    return this.sessions.listActiveForUser(userId, this.clock.now(), MAX_LISTED_SESSIONS);
  }

  /**
   * Revocations other services must honour: those of the last access-token
   * lifetime (plus clock-skew margin). Older ones no longer matter, since
   * every token of such a session has expired.
   */
  async revokedSince(since: Date | undefined): Promise<RevocationFeed> {
    const now = this.clock.now();
    const windowSeconds = this.config.tokens.accessTtlSeconds + REVOCATION_MARGIN_SECONDS;
    const windowStart = new Date(now.getTime() - windowSeconds * 1000);
    const from = since && since > windowStart ? since : windowStart;
    const rows = await this.sessions.listRevokedSince(from, MAX_FEED_ENTRIES);
    const complete = rows.length < MAX_FEED_ENTRIES;
    const last = rows.at(-1)?.revokedAt;
    return {
      revoked: rows.map((row) => ({ sid: row.id, revokedAt: row.revokedAt! })),
      // revoked_at is stamped before the revocation commits, so a poll can miss
      // a row that commits a little later with an earlier stamp: the next poll
      // starts FEED_OVERLAP back (pollers de-duplicate by sid). A truncated page
      // resumes just before its last stamp, so rows sharing it are not skipped.
      next: complete || !last ? new Date(now.getTime() - FEED_OVERLAP_MS) : new Date(last.getTime() - 1),
      complete,
      windowSeconds,
    };
  }

  /** A user ends one of their own sessions; someone else's is indistinguishable from a missing one. */
  async revokeOwn(userId: string, sessionId: string, client: ClientInfo): Promise<void> {
    const session = await this.sessions.findSession(sessionId);
    if (!session || session.userId !== userId) throw AppError.notFound('session_not_found', 'No such session.');
    await this.revoke(userId, sessionId, REVOKE_REASON.logout, client);
  }

  /**
   * For this service's own routes: an access token of an ended session is
   * refused at once, and the user (roles included) is read fresh, so that a
   * revoked admin role stops working here before the token expires.
   */
  async activeSessionUser(sessionId: string, userId: string): Promise<PublicUser> {
    const now = this.clock.now();
    const cached = this.checks.get(sessionId);
    // A cached entry only ever says "live"; once its times have passed, ask the database.
    if (cached && cached.userId === userId && sessionState({ ...cached, revokedAt: null }, now) === 'active') return cached.user;
    const session = await this.sessions.findSessionForAccess(sessionId);
    const state = session && session.userId === userId ? sessionState(session, now) : 'revoked';
    if (state !== 'active') throw sessionEnded(state);
    this.checks.remember(sessionId, session!);
    return session!.user;
  }

  private async revoke(userId: string, sessionId: string, reason: string, client: ClientInfo): Promise<void> {
    const revoked = await this.sessions.revokeSession(sessionId, reason, this.clock.now(), {
      type: AUDIT.logout,
      userId,
      sessionId,
      actor: userId,
      ip: client.ip,
      userAgent: client.userAgent,
    });
    if (revoked) this.logger.log({ msg: 'session revoked', event: AUDIT.logout, userId, sessionId });
  }

  private assertActive(found: FoundToken, now: Date): void {
    const state = found.revokedAt ? 'revoked' : found.expiresAt <= now ? 'expired' : sessionState(found.session, now);
    if (state !== 'active') throw sessionEnded(state);
  }

  /** The token was used already: hand back its child inside the grace window, else end the family. */
  private async replayOrRevoke(
    presented: { id: string; secret: Buffer },
    found: FoundToken & { usedAt: Date },
    client: ClientInfo,
    now: Date,
  ): Promise<IssuedTokens> {
    const { session } = found;
    const decision = decideOnUsedToken({ usedAt: found.usedAt, child: found.child }, now, this.config.sessions.graceSeconds);
    if (decision.kind === 'replay') {
      const secret = deriveChildSecret(this.config.sessions.refreshPepper, presented.secret, decision.childId);
      this.logger.log({ msg: 'refresh replayed inside the grace window', event: 'refresh_replayed', sessionId: session.id });
      return this.issued(session, session.idleExpiresAt, { id: decision.childId, secret });
    }

    const revoked = await this.sessions.revokeSession(session.id, REVOKE_REASON.reuse, now, {
      type: AUDIT.reuse,
      userId: session.userId,
      sessionId: session.id,
      actor: 'system',
      ip: client.ip,
      userAgent: client.userAgent,
      data: { tokenId: presented.id },
    });
    if (revoked) {
      this.logger.warn({
        msg: 'refresh token reuse detected: family revoked',
        event: AUDIT.reuse,
        userId: session.userId,
        sessionId: session.id,
        ip: client.ip,
      });
    }
    throw AppError.unauthorized('refresh_token_reused', 'This refresh token was already used; the session has been revoked.', true);
  }

  private issued(session: FoundToken['session'], idleExpiresAt: Date, token: { id: string; secret: Buffer }): IssuedTokens {
    return {
      user: { id: session.userId, email: session.user.email, roles: session.user.roles },
      session: { id: session.id, idleExpiresAt, absoluteExpiresAt: session.absoluteExpiresAt },
      accessToken: this.accessTokens.issue({
        userId: session.userId,
        sessionId: session.id,
        roles: session.user.roles,
        sessionEndsAt: session.absoluteExpiresAt,
      }),
      refreshToken: formatRefreshToken(token),
    };
  }
}
