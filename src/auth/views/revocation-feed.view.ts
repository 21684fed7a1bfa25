import type { RevocationFeed } from '../../sessions/revocation-feed.service.js';

/** One page of the revocation feed as pollers read it (docs/validating-tokens.md). */
export function toRevocationFeedView(feed: RevocationFeed) {
  return {
    revoked: feed.revoked.map((entry) => ({ sid: entry.sid, revokedAt: entry.revokedAt.toISOString() })),
    next: feed.next.toISOString(),
    complete: feed.complete,
    windowSeconds: feed.windowSeconds,
  };
}
