import { Controller, Get, Header, Headers, Query, Res } from '@nestjs/common';
import { ApiNotModifiedResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsISO8601, IsOptional } from 'class-validator';
import type { FastifyReply } from 'fastify';
import { ifNoneMatchHits } from '../common/etag.js';
import { Public, RateLimit, ServiceClient } from '../common/route-policy.js';
import { AppConfig } from '../config/app-config.js';
import { RevocationFeedService } from '../sessions/revocation-feed.service.js';
import { transmitterMetadata } from '../shared-signals/stream-configuration.js';
import { SigningKeysService } from '../tokens/signing-keys.service.js';
import { JwksView, toJwksView } from './views/jwks.view.js';
import { RevokedSessionsView, toRevocationFeedView } from './views/revocation-feed.view.js';
import { TransmitterMetadataView } from './views/shared-signals.view.js';

export class RevocationsQuery {
  @ApiPropertyOptional({ format: 'date-time', description: 'The `next` of the previous answer; absent: the whole window.' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'must be the `next` value of a previous answer (an ISO 8601 time)' })
  since?: string;
}

/** What other services read: the signing keys and the SSF transmitter's metadata (public), and the revoked sessions (service clients only). */
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
   * a verifier caching this as the headers allow never meets an unknown kid.
   */
  @ApiOperation({ summary: 'Public signing keys (current, next, and retired ones still valid)' })
  @ApiProduces('application/jwk-set+json')
  @ApiOkResponse({ type: JwksView })
  @ApiNotModifiedResponse({ description: 'The `If-None-Match` ETag still holds.' })
  @Public()
  @Get('jwks.json')
  @Header('content-type', 'application/jwk-set+json')
  jwks(@Headers('if-none-match') ifNoneMatch: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    const { jwksMaxAgeSeconds, jwksStaleWhileRevalidateSeconds } = this.config.tokens;
    const view = toJwksView(this.keys.jwks());
    reply.header('cache-control', `public, max-age=${jwksMaxAgeSeconds}, stale-while-revalidate=${jwksStaleWhileRevalidateSeconds}`);
    reply.header('etag', view.etag);
    if (!ifNoneMatchHits(ifNoneMatch, view.etag)) return view.body;
    reply.code(304);
    return '';
  }

  /**
   * The Shared Signals transmitter's metadata (SSF 1.0 §7): where to manage
   * streams, how events are delivered, how receivers authenticate. It
   * changes only with the configuration.
   */
  @ApiOperation({ summary: "The Shared Signals transmitter's metadata (SSF 1.0 §7): its endpoints, delivery methods and receiver authentication" })
  @ApiOkResponse({ type: TransmitterMetadataView })
  @Public()
  @Get('ssf-configuration')
  @Header('cache-control', 'public, max-age=3600')
  ssfConfiguration(): TransmitterMetadataView {
    return transmitterMetadata(this.config.tokens.issuer);
  }

  /**
   * How other services learn of revoked sessions within seconds without
   * asking us per request: they poll this with `since` and refuse tokens
   * whose `sid` is listed until the entry is `windowSeconds` old. It says
   * when any session was revoked, so only service clients may read it.
   */
  @ApiOperation({ summary: 'Sessions revoked since `since`, for other services that verify tokens offline' })
  @ApiOkResponse({ type: RevokedSessionsView })
  @ServiceClient('revocations')
  @RateLimit('service-client')
  @Get('revoked-sessions')
  async revoked(@Query() query: RevocationsQuery): Promise<RevokedSessionsView> {
    return toRevocationFeedView(await this.feed.revokedSince(query.since === undefined ? undefined : new Date(query.since)));
  }
}
