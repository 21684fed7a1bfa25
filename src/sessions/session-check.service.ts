import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { NotificationListener } from '../database/notification-listener.js';
import type { SessionOwner } from './family.js';
import { SessionCheckCache } from './session-check-cache.js';
import { sessionEndedError, sessionState } from './session-rules.js';
import { SessionsRepository } from './sessions.repository.js';

/**
 * The per-request check on this service's own routes: an access token of an
 * ended session is refused, and the user (roles included) is read with the
 * session, so that a revoked admin role stops working here before the token
 * expires. Positive answers are cached (see SessionCheckCache).
 */
@Injectable()
export class SessionCheck {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly checks: SessionCheckCache,
    private readonly listener: NotificationListener,
    private readonly clock: Clock,
  ) {}

  async activeSessionOwner(sessionId: string, userId: string): Promise<SessionOwner> {
    const now = this.clock.now();
    const cached = this.checks.get(sessionId);
    // A cached entry only ever says "live"; once its times have passed, ask the database.
    if (cached && cached.userId === userId && sessionState({ ...cached, revokedAt: null }, now) === 'active') return cached.user;
    const ticket = this.listener.ticket();
    const session = await this.sessions.findSessionForAccess(sessionId);
    const state = session && session.userId === userId ? sessionState(session, now) : 'revoked';
    if (state !== 'active') throw sessionEndedError(state);
    this.checks.remember(sessionId, session!, ticket);
    return session!.user;
  }

  /** The user's details changed (the email was verified): this instance reads them again at the next check, other instances within SESSION_CHECK_CACHE_MS. */
  ownerChanged(userId: string): void {
    this.checks.forgetOwnerDetails(userId);
  }
}
