import { Injectable, Logger } from '@nestjs/common';
import { AUDIT_EVENT, type AuditEntry, type AuditEventType, SYSTEM_ACTOR } from '../audit/audit-entry.js';
import { AuditWriter } from '../audit/audit.writer.js';
import { AppError } from '../common/app-error.js';
import type { ErrorCode } from '../common/error-catalog.js';
import type { ClientInfo } from '../common/client-info.js';
import { Clock } from '../common/clock.js';
import { Random } from '../common/random.js';
import { AppConfig } from '../config/app-config.js';
import { Metrics, type RefreshOutcome } from '../metrics/metrics.js';
import type { FamilyPrecondition, FamilyTokens, SessionOwner } from './family.js';
import {
  deriveChildSecret,
  formatRefreshToken,
  hashSecret,
  parseRefreshToken,
  SECRET_BYTES,
  secretMatches,
} from './refresh-token.js';
import { type FoundToken, RefreshTokensRepository } from './refresh-tokens.repository.js';
import { decideOnUsedToken, nextIdleExpiry, presentedTokenState, sessionEndedError } from './session-rules.js';
import { REVOKE_REASON, SessionRevoker } from './session-revoker.js';
import { type SessionRecord, SessionsRepository } from './sessions.repository.js';

/** A user sees at most this many of their own sessions, newest first. */
const MAX_LISTED_SESSIONS = 100;

/** How a refresh that ends in an error is counted. */
const REFRESH_FAILURES: Partial<Record<ErrorCode, RefreshOutcome>> = {
  invalid_refresh_token: 'invalid',
  session_revoked: 'revoked',
  session_expired: 'expired',
  refresh_token_reused: 'reuse_detected',
};

/** Step 1 changes nothing, not even the cookies: the answer may belong to a stale request that finishes after a fresh login. */
function invalidRefreshToken(): AppError {
  return new AppError('invalid_refresh_token');
}

/**
 * Refresh families (DESIGN.md "Refresh rotation, exactly"): start one, rotate
 * it, hand a replay its child or revoke the family, revoke, list. Knows no
 * HTTP, no passwords and no JWTs.
 */
@Injectable()
export class SessionsService {
  private readonly logger = new Logger(SessionsService.name);

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly tokens: RefreshTokensRepository,
    private readonly revoker: SessionRevoker,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly audit: AuditWriter,
    private readonly metrics: Metrics,
  ) {}

  /**
   * Opens a new family for a user whose credentials were checked, if
   * `stillValid` (what was checked has not changed since) holds inside the
   * transaction that opens it; null when it no longer does. Never continues
   * one a client names.
   */
  async start(owner: SessionOwner, client: ClientInfo, stillValid: FamilyPrecondition): Promise<FamilyTokens | null> {
    const now = this.clock.now();
    const absoluteExpiresAt = new Date(now.getTime() + this.config.sessions.absoluteTtlSeconds * 1000);
    const idleExpiresAt = nextIdleExpiry(now, this.config.sessions.idleTtlSeconds, absoluteExpiresAt);
    const sessionId = this.random.timeOrderedUuid();
    const token = { id: this.random.timeOrderedUuid(), secret: this.random.bytes(SECRET_BYTES) };

    const opened = await this.sessions.createSession(
      {
        id: sessionId,
        userId: owner.id,
        now,
        idleExpiresAt,
        absoluteExpiresAt,
        userAgent: client.userAgent,
        ip: client.ip,
        firstToken: { id: token.id, secretHash: hashSecret(token.secret), expiresAt: idleExpiresAt },
      },
      this.event(AUDIT_EVENT.login, now, { id: sessionId, userId: owner.id }, client),
      stillValid,
    );
    if (!opened) return null;
    this.logger.log({ msg: 'session started', event: AUDIT_EVENT.login, userId: owner.id, sessionId });
    return {
      owner,
      session: { id: sessionId, idleExpiresAt, absoluteExpiresAt },
      refreshToken: formatRefreshToken(token),
    };
  }

  /** DESIGN.md "Refresh rotation, exactly", steps 1 to 5; every outcome is counted. */
  async rotate(rawToken: string | undefined, client: ClientInfo): Promise<FamilyTokens> {
    try {
      const { family, outcome } = await this.rotateOrReplay(rawToken, client);
      this.metrics.refresh(outcome);
      return family;
    } catch (error) {
      const outcome = error instanceof AppError ? REFRESH_FAILURES[error.code] : undefined;
      if (outcome) this.metrics.refresh(outcome);
      throw error;
    }
  }

  private async rotateOrReplay(rawToken: string | undefined, client: ClientInfo): Promise<{ family: FamilyTokens; outcome: RefreshOutcome }> {
    const presented = parseRefreshToken(rawToken);
    if (!presented) throw invalidRefreshToken();
    let found = await this.tokens.findToken(presented.id);
    if (!found || !secretMatches(presented.secret, found.secretHash)) throw invalidRefreshToken();
    const now = this.clock.now();
    this.assertActive(found, now);

    if (!found.usedAt) {
      const { session } = found;
      const idleExpiresAt = nextIdleExpiry(now, this.config.sessions.idleTtlSeconds, session.absoluteExpiresAt);
      // The child's secret is derived before the statement: it is what a replay inside the grace window gets back.
      const childId = this.random.timeOrderedUuid();
      const childSecret = deriveChildSecret(this.config.sessions.refreshPepper, presented.secret, childId);
      const outcome = await this.tokens.rotate({
        sessionId: session.id,
        tokenId: found.id,
        now,
        idleExpiresAt,
        child: { id: childId, secretHash: hashSecret(childSecret), expiresAt: idleExpiresAt },
        audit: this.config.audit.refreshes ? this.event(AUDIT_EVENT.refresh, now, session, client) : undefined,
      });
      if (outcome.kind === 'rotated') {
        return { family: this.family(found.session, idleExpiresAt, { id: childId, secret: childSecret }), outcome: 'rotated' };
      }
      // Revoked, expired or used by a concurrent request meanwhile: decide on what is stored now.
      found = await this.tokens.findToken(presented.id);
      if (!found) throw invalidRefreshToken();
      this.assertActive(found, now);
      if (outcome.kind === 'session_inactive' || !found.usedAt) throw sessionEndedError('revoked');
    }
    return this.replayOrRevoke(presented, { ...found, usedAt: found.usedAt }, client, now);
  }

  /**
   * Ends the caller's session, found from the refresh token or else from the
   * access token's session id. Idempotent: an unknown or already-ended session is not an error.
   */
  async logout(from: { refreshToken?: string; sessionId?: string }, client: ClientInfo): Promise<void> {
    let sessionId = from.sessionId;
    const presented = parseRefreshToken(from.refreshToken);
    if (presented) {
      const found = await this.tokens.findToken(presented.id);
      if (found && secretMatches(presented.secret, found.secretHash)) sessionId = found.session.id;
    }
    if (!sessionId) return;
    const session = await this.sessions.findSession(sessionId);
    if (!session) return;
    await this.revokeByOwner(session, client);
  }

  async logoutAll(userId: string, client: ClientInfo): Promise<number> {
    const count = await this.revoker.revokeAllForUser(userId, REVOKE_REASON.logoutAll, { type: AUDIT_EVENT.logoutAll, actor: userId, client });
    this.logger.log({ msg: 'all sessions revoked', event: AUDIT_EVENT.logoutAll, userId, sessions: count });
    return count;
  }

  listActive(userId: string): Promise<SessionRecord[]> {
    return this.sessions.listActiveForUser(userId, this.clock.now(), MAX_LISTED_SESSIONS);
  }

  /** A user ends one of their own sessions; someone else's is indistinguishable from a missing one. */
  async revokeOwn(userId: string, sessionId: string, client: ClientInfo): Promise<void> {
    const session = await this.sessions.findSession(sessionId);
    if (!session || session.userId !== userId) throw new AppError('session_not_found');
    await this.revokeByOwner(session, client);
  }

  private async revokeByOwner(session: { id: string; userId: string }, client: ClientInfo): Promise<void> {
    const revoked = await this.revoker.revokeSession(session, REVOKE_REASON.logout, { type: AUDIT_EVENT.logout, actor: session.userId, client });
    if (revoked) this.logger.log({ msg: 'session revoked', event: AUDIT_EVENT.logout, userId: session.userId, sessionId: session.id });
  }

  /**
   * Only the session's end ends a family quietly. A used token whose own
   * expiry has passed is still a reuse (decided later, in replayOrRevoke):
   * letting it expire quietly would let a thief's replay go unnoticed.
   */
  private assertActive(found: FoundToken, now: Date): void {
    const state = presentedTokenState(found, now);
    if (state !== 'active') throw sessionEndedError(state);
  }

  /** The token was used already: hand back its child inside the grace window, else end the family. */
  private async replayOrRevoke(
    presented: { id: string; secret: Buffer },
    found: FoundToken & { usedAt: Date },
    client: ClientInfo,
    now: Date,
  ): Promise<{ family: FamilyTokens; outcome: RefreshOutcome }> {
    const { session } = found;
    const decision = decideOnUsedToken({ usedAt: found.usedAt, child: found.child }, now, this.config.sessions.graceSeconds);
    if (decision.kind === 'replay') {
      const secret = deriveChildSecret(this.config.sessions.refreshPepper, presented.secret, decision.childId);
      this.logger.log({ msg: 'refresh replayed inside the grace window', event: AUDIT_EVENT.graceReplay, sessionId: session.id });
      if (this.config.audit.refreshes) {
        await this.audit.recordAlone({ ...this.event(AUDIT_EVENT.graceReplay, now, session, client), data: { tokenId: presented.id } });
      }
      return { family: this.family(session, session.idleExpiresAt, { id: decision.childId, secret }), outcome: 'grace_replay' };
    }

    // A child never presented suggests the holder lost the answer to its rotation (a
    // crash, a retry after the grace window) rather than a thief racing it: ops can tell.
    const childPresented = found.child?.usedAt != null;
    const revoked = await this.revoker.revokeSession(session, REVOKE_REASON.reuse, {
      type: AUDIT_EVENT.reuse,
      actor: SYSTEM_ACTOR,
      client,
      data: { tokenId: presented.id, childPresented },
    });
    if (revoked) {
      this.logger.warn({
        msg: 'refresh token reuse detected: family revoked',
        event: AUDIT_EVENT.reuse,
        userId: session.userId,
        sessionId: session.id,
        ip: client.ip,
        childPresented,
      });
    }
    throw new AppError('refresh_token_reused');
  }

  /** An event about one family, done by its owner from `client`. */
  private event(type: AuditEventType, at: Date, session: { id: string; userId: string }, client: ClientInfo): AuditEntry {
    const { ip, userAgent, origin } = client;
    return { at, type, actor: session.userId, origin, userId: session.userId, sessionId: session.id, ip, userAgent };
  }

  private family(session: FoundToken['session'], idleExpiresAt: Date, token: { id: string; secret: Buffer }): FamilyTokens {
    return {
      owner: session.owner,
      session: { id: session.id, idleExpiresAt, absoluteExpiresAt: session.absoluteExpiresAt },
      refreshToken: formatRefreshToken(token),
    };
  }
}
