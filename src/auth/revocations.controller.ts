import { Controller, Get, Query, Res } from '@nestjs/common';
import { IsISO8601, IsOptional } from 'class-validator';
import type { FastifyReply } from 'fastify';
import { Public } from '../common/public.decorator.js';
import { SessionsService } from '../sessions/sessions.service.js';

/** Seconds a poller (or a cache in front of us) may reuse one answer. */
const FEED_MAX_AGE_SECONDS = 5;

export class RevocationsQuery {
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'must be the `next` value of a previous answer (an ISO 8601 time)' })
  since?: string;
}

@Controller('.well-known')
export class RevocationsController {
  constructor(private readonly sessions: SessionsService) {}

  /**
   * How other services learn of revoked sessions within seconds without
   * asking us per request: they poll this with `since` and refuse tokens
   * whose `sid` is listed until the entry is `windowSeconds` old.
   */
  @Public()
  @Get('revoked-sessions')
  async revoked(@Query() query: RevocationsQuery, @Res({ passthrough: true }) reply: FastifyReply) {
    const feed = await this.sessions.revokedSince(query.since === undefined ? undefined : new Date(query.since));
    reply.header('cache-control', `public, max-age=${FEED_MAX_AGE_SECONDS}`);
    return {
      revoked: feed.revoked.map((entry) => ({ sid: entry.sid, revokedAt: entry.revokedAt.toISOString() })),
      next: feed.next.toISOString(),
      complete: feed.complete,
      windowSeconds: feed.windowSeconds,
    };
  }
}
