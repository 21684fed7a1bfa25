import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { Clock } from '../common/clock.js';
import { AppConfig } from '../config/app-config.js';
import { NotificationListener } from '../database/notification-listener.js';
import { CHANNEL, type SessionNotice } from '../database/notifications.js';
import type { SessionOwner } from './family.js';
import { RevokedSessionsRepository } from './revoked-sessions.repository.js';

export interface LiveSession {
  userId: string;
  idleExpiresAt: Date;
  absoluteExpiresAt: Date;
  user: SessionOwner;
}

/** Entries kept at most; a busy instance's working set of sessions fits easily. */
const MAX_ENTRIES = 10_000;
/** The most an entry is trusted while no notice could reach this instance. */
export const UNNOTIFIED_CACHE_MS = 1000;
/** Revocations re-read after the listener reconnects start this much before it was lost (commits lag their stamps). */
const RESYNC_OVERLAP_MS = 30_000;
const MAX_RESYNC_ROWS = 100_000;

/**
 * Remembers that a session was live, so that a burst of requests with one
 * access token costs one database lookup, not one each. Only positive
 * answers are kept. Every revocation, on any instance, sends a notice in its
 * transaction (see SessionRevoker) and every instance forgets the entry when
 * it arrives; so an entry read while the listener was up may live for
 * SESSION_CHECK_CACHE_MS. While the listener is down, entries live at most
 * UNNOTIFIED_CACHE_MS, and when it is back the revocations made meanwhile are
 * re-read and forgotten. 0 turns the cache off.
 */
@Injectable()
export class SessionCheckCache {
  private readonly live: LRUCache<string, LiveSession> | undefined;
  /**
   * Sessions and users revoked lately. A check that read the database just
   * before a revocation committed must not put the session back.
   */
  private readonly ended: LRUCache<string, true> | undefined;
  private readonly trustedMs: number;

  constructor(
    config: AppConfig,
    clock: Clock,
    private readonly listener: NotificationListener,
    private readonly revocations: RevokedSessionsRepository,
  ) {
    this.trustedMs = config.sessions.checkCacheMs;
    // ttlResolution 0: read the clock on every lookup rather than lru-cache's 1 ms snapshot of it.
    const timing = { perf: { now: () => clock.now().getTime() }, ttlResolution: 0 };
    const enabled = this.trustedMs > 0;
    this.live = enabled ? new LRUCache<string, LiveSession>({ max: MAX_ENTRIES, ttl: this.trustedMs, ...timing }) : undefined;
    this.ended = enabled ? new LRUCache<string, true>({ max: MAX_ENTRIES, ttl: Math.max(this.trustedMs, UNNOTIFIED_CACHE_MS) * 2, ...timing }) : undefined;
    if (!enabled) return;
    listener.on(CHANNEL.sessions, (payload) => this.onNotice(payload as SessionNotice));
    // Notices may be lost while the listener is down: nothing cached before may be trusted any more.
    listener.onLost(() => this.live?.clear());
    listener.onResync((since) => this.forgetRevokedSince(since));
  }

  get(sessionId: string): LiveSession | undefined {
    return this.live?.get(sessionId);
  }

  /** `ticket`: the listener's state taken before the database was read. */
  remember(sessionId: string, session: LiveSession, ticket = this.listener.ticket()): void {
    if (this.ended?.has(sessionId) || this.ended?.has(session.userId)) return;
    const ttl = this.listener.heldThroughout(ticket) ? this.trustedMs : Math.min(this.trustedMs, UNNOTIFIED_CACHE_MS);
    this.live?.set(sessionId, session, { ttl });
  }

  /** Called once a revocation is over (committed, or its answer lost), and for every notice of one. */
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

  /** Called once a revocation of all of a user's sessions is over, or the user's roles changed, and for every notice of one. */
  forgetUser(userId: string): void {
    this.ended?.set(userId, true);
    this.forgetOwnerDetails(userId);
  }

  private onNotice(notice: SessionNotice): void {
    if ('sid' in notice && typeof notice.sid === 'string') this.forgetSession(notice.sid);
    else if ('userId' in notice && typeof notice.userId === 'string') this.forgetUser(notice.userId);
  }

  private async forgetRevokedSince(since: Date): Promise<void> {
    const rows = await this.revocations.listRevokedSince(new Date(since.getTime() - RESYNC_OVERLAP_MS), MAX_RESYNC_ROWS);
    for (const row of rows) this.forgetSession(row.id);
  }
}
