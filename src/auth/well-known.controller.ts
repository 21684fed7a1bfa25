import { Controller, Get, Header, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsISO8601, IsOptional } from 'class-validator';
import type { FastifyReply } from 'fastify';
import { Public } from '../common/route-policy.js';
import { AppConfig } from '../config/app-config.js';
import { RevocationFeedService } from '../sessions/revocation-feed.service.js';
import { SigningKeysService } from '../tokens/signing-keys.service.js';
import { JwksView, RevokedSessionsView } from './views/well-known.view.js';

/** Seconds a poller (or a cache in front of us) may reuse one revocation-feed answer. */
const FEED_MAX_AGE_SECONDS = 5;

export class RevocationsQuery {
  @ApiPropertyOptional({ format: 'date-time', description: 'The `next` of the previous answer; absent: the whole window.' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'must be the `next` value of a previous answer (an ISO 8601 time)' })
  since?: string;
}

/** The public discovery routes other services read: the signing keys and the revoked sessions. */
@ApiTags('well-known')
@Controller('.well-known')
export class WellKnownController {
  constructor(
    private readonly keys: SigningKeysService,
    private readonly feed: RevocationFeedService,
    private readonly config: AppConfig,
  ) {}

  /**
   * Public keys for offline verification. The next key is published before it
   * signs anything and a retired key stays until its tokens have expired, so
   * a verifier caching this for `max-age` never meets an unknown kid.
   */
  @ApiOperation({ summary: 'Public signing keys (current, next, and retired ones still valid)' })
  @ApiProduces('application/jwk-set+json')
  @ApiOkResponse({ type: JwksView })
  @Public()
  @Get('jwks.json')
  @Header('content-type', 'application/jwk-set+json')
  jwks(@Res({ passthrough: true }) reply: FastifyReply): JwksView {
    reply.header('cache-control', `public, max-age=${this.config.tokens.jwksMaxAgeSeconds}`);
    return this.keys.jwks();
  }

  /**
   * How other services learn of revoked sessions within seconds without
   * asking us per request: they poll this with `since` and refuse tokens
   * whose `sid` is listed until the entry is `windowSeconds` old.
   */
  @ApiOperation({ summary: 'Sessions revoked since `since`, for other services that verify tokens offline' })
  @ApiOkResponse({ type: RevokedSessionsView })
  @Public()
  @Get('revoked-sessions')
  async revoked(@Query() query: RevocationsQuery, @Res({ passthrough: true }) reply: FastifyReply): Promise<RevokedSessionsView> {
    const feed = await this.feed.revokedSince(query.since === undefined ? undefined : new Date(query.since));
    reply.header('cache-control', `public, max-age=${FEED_MAX_AGE_SECONDS}`);
    return {
      revoked: feed.revoked.map((entry) => ({ sid: entry.sid, revokedAt: entry.revokedAt.toISOString() })),
      next: feed.next.toISOString(),
      complete: feed.complete,
      windowSeconds: feed.windowSeconds,
    };
  }
}
