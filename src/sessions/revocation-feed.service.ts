import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { AppConfig } from '../config/app-config.js';
import { RevokedSessionsRepository } from './revoked-sessions.repository.js';

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

/** How long a revocation stays in the feed: past it, every access token of the session has expired everywhere. */
export function revocationWindowSeconds(config: AppConfig): number {
  return config.tokens.accessTtlSeconds + REVOCATION_MARGIN_SECONDS;
}
const MAX_FEED_ENTRIES = 5000;
/** Longer than a revocation can take to commit (pool wait plus lock_timeout). */
const FEED_OVERLAP_MS = 30_000;
/** How long one read of the whole window answers every poller: N pollers cost one query per this period. */
const SNAPSHOT_TTL_MS = 1000;

interface Snapshot {
  takenAt: Date;
  /** Null when the window held too many entries for one read. */
  rows: Array<{ sid: string; revokedAt: Date }> | null;
}

/**
 * How other services learn of revoked sessions without asking us per
 * request: the revocations of the last access-token lifetime (plus a
 * clock-skew margin). Older ones no longer matter, since every token of such
 * a session has expired. The window is read once per SNAPSHOT_TTL_MS and
 * each poller's page is cut from it; only a window too large for one read
 * (a mass revocation) sends each poll to the database.
 */
@Injectable()
export class RevocationFeedService {
  private snapshot: Snapshot | undefined;
  private reading: Promise<Snapshot> | undefined;

  constructor(
    private readonly feed: RevokedSessionsRepository,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  private get windowSeconds(): number {
    return revocationWindowSeconds(this.config);
  }

  async revokedSince(since: Date | undefined): Promise<RevocationFeed> {
    const snapshot = await this.currentSnapshot();
    if (snapshot.rows) {
      const windowStart = new Date(snapshot.takenAt.getTime() - this.windowSeconds * 1000);
      const from = since && since > windowStart ? since : windowStart;
      const revoked = snapshot.rows.filter((row) => row.revokedAt > from);
      return { revoked, next: new Date(snapshot.takenAt.getTime() - FEED_OVERLAP_MS), complete: true, windowSeconds: this.windowSeconds };
    }
    return this.read(since);
  }

  /** The window as read at most SNAPSHOT_TTL_MS ago; concurrent pollers share one read. */
  private async currentSnapshot(): Promise<Snapshot> {
    const now = this.clock.now();
    const age = this.snapshot ? now.getTime() - this.snapshot.takenAt.getTime() : -1;
    if (this.snapshot && age >= 0 && age < SNAPSHOT_TTL_MS) return this.snapshot;
    this.reading ??= this.read(undefined)
      .then((page) => {
        this.snapshot = { takenAt: now, rows: page.complete ? page.revoked : null };
        return this.snapshot;
      })
      .finally(() => {
        this.reading = undefined;
      });
    return this.reading;
  }

  private async read(since: Date | undefined): Promise<RevocationFeed> {
    const now = this.clock.now();
    const windowStart = new Date(now.getTime() - this.windowSeconds * 1000);
    const from = since && since > windowStart ? since : windowStart;
    const rows = await this.feed.listRevokedSince(from, MAX_FEED_ENTRIES);
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
      windowSeconds: this.windowSeconds,
    };
  }
}
