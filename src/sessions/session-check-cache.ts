import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { Clock } from '../common/clock.js';
import { AppConfig } from '../config/app-config.js';
import type { SessionOwner } from './family.js';

export interface LiveSession {
  userId: string;
  idleExpiresAt: Date;
  absoluteExpiresAt: Date;
  user: SessionOwner;
}

/** Entries kept at most; a busy instance's working set of sessions fits easily. */
const MAX_ENTRIES = 10_000;

/**
 * Remembers, for SESSION_CHECK_CACHE_MS, that a session was live, so that a
 * burst of requests with one access token costs one database lookup, not
 * one each. Only positive answers are kept, and revocations made through
 * this instance forget the entry at once; a revocation made through another
 * instance is seen here within the cache lifetime. 0 turns it off.
 */
@Injectable()
export class SessionCheckCache {
  private readonly live: LRUCache<string, LiveSession> | undefined;
  /**
   * Sessions and users revoked here lately. A check that read the database
   * just before a revocation committed must not put the session back.
   */
  private readonly ended: LRUCache<string, true> | undefined;

  constructor(config: AppConfig, clock: Clock) {
    const ttl = config.sessions.checkCacheMs;
    // ttlResolution 0: read the clock on every lookup rather than lru-cache's 1 ms snapshot of it.
    const timing = { perf: { now: () => clock.now().getTime() }, ttlResolution: 0 };
    this.live = ttl > 0 ? new LRUCache<string, LiveSession>({ max: MAX_ENTRIES, ttl, ...timing }) : undefined;
    this.ended = ttl > 0 ? new LRUCache<string, true>({ max: MAX_ENTRIES, ttl: ttl * 2, ...timing }) : undefined;
  }

  get(sessionId: string): LiveSession | undefined {
    return this.live?.get(sessionId);
  }

  remember(sessionId: string, session: LiveSession): void {
    if (this.ended?.has(sessionId) || this.ended?.has(session.userId)) return;
    this.live?.set(sessionId, session);
  }

  /** Called by SessionRevoker once a revocation is over (committed, or its answer lost). */
  forgetSession(sessionId: string): void {
    this.ended?.set(sessionId, true);
    this.live?.delete(sessionId);
  }

  /** The user's details changed (the email was verified): the next check reads them again. Their sessions are no less live. */
  forgetOwnerDetails(userId: string): void {
    for (const [sessionId, session] of this.live?.entries() ?? []) {
      if (session.userId === userId) this.live!.delete(sessionId);
    }
  }

  /** Called by SessionRevoker once a revocation is over (committed, or its answer lost). */
  forgetUser(userId: string): void {
    this.ended?.set(userId, true);
    this.forgetOwnerDetails(userId);
  }
}
