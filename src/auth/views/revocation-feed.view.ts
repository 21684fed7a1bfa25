import { ApiProperty } from '@nestjs/swagger';
import type { RevocationFeed } from '../../sessions/revocation-feed.service.js';

class RevokedSessionView {
  @ApiProperty({ format: 'uuid', description: 'The `sid` claim of the tokens to refuse.' }) sid!: string;
  @ApiProperty({ format: 'date-time' }) revokedAt!: string;
}

export class RevokedSessionsView {
  @ApiProperty({ type: [RevokedSessionView] }) revoked!: RevokedSessionView[];
  @ApiProperty({ format: 'date-time', description: 'Pass as `since` on the next poll.' }) next!: string;
  @ApiProperty({ description: 'False when more revocations are waiting: poll again at once.' }) complete!: boolean;
  @ApiProperty({ description: 'Refuse a listed sid until its entry is this old.' }) windowSeconds!: number;
}

/** One page of the revocation feed as pollers read it (docs/validating-tokens.md). */
export function toRevocationFeedView(feed: RevocationFeed): RevokedSessionsView {
  return {
    revoked: feed.revoked.map((entry) => ({ sid: entry.sid, revokedAt: entry.revokedAt.toISOString() })),
    next: feed.next.toISOString(),
    complete: feed.complete,
    windowSeconds: feed.windowSeconds,
  };
}
