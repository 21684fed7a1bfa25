import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { AppConfig } from '../config/app-config.js';
import { RevocationFeedRepository } from './revocation-feed.repository.js';

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

/**
 * How other services learn of revoked sessions without asking us per
 * request: the revocations of the last access-token lifetime (plus a
 * clock-skew margin). Older ones no longer matter, since every token of such
 * a session has expired.
 */
@Injectable()
export class RevocationFeedService {
  constructor(
    private readonly feed: RevocationFeedRepository,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async revokedSince(since: Date | undefined): Promise<RevocationFeed> {
    const now = this.clock.now();
    const windowSeconds = revocationWindowSeconds(this.config);
    const windowStart = new Date(now.getTime() - windowSeconds * 1000);
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
      windowSeconds,
    };
  }
}
