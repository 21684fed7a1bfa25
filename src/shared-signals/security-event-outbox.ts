import { Injectable } from '@nestjs/common';
import { Random } from '../common/random.js';
import { AppConfig } from '../config/app-config.js';
import { JOB_LOCK } from '../database/job-locks.js';
import { CHANNEL, notify, type SecurityEventsNotice } from '../database/notifications.js';
import type { Prisma } from '../database/prisma.service.js';
import { type EndedSessions, EVENT_TYPE, eventsForEndedSessions, type SecurityEvent, setClaims, verificationEvent } from './security-events.js';

/** A stream as the outbox addresses it. */
export interface OutboxStream {
  id: string;
  clientId: string;
  deliveryMethod: string;
  eventsRequested: string[];
}

/** A NOTIFY payload is at most 8000 bytes: beyond this many streams the notice names none, and wakes every waiter. */
const MAX_NAMED_STREAMS = 100;

const STREAM_FIELDS = { id: true, clientId: true, deliveryMethod: true, eventsRequested: true } as const;

/**
 * Writes security events to the outbox (ssf_events) inside the caller's
 * transaction, one SET per stream, so that the change and the events
 * announcing it commit together or not at all; delivery happens later, at
 * least once (PushDelivery, PollDelivery). Called by the sessions room for
 * every revocation, as the audit writer is.
 */
@Injectable()
export class SecurityEventOutbox {
  constructor(
    private readonly config: AppConfig,
    private readonly random: Random,
  ) {}

  /** The events of a revocation, to every stream that is not disabled and asked for them. */
  async recordEndedSessions(tx: Prisma.TransactionClient, ended: EndedSessions): Promise<void> {
    if (ended.sessionIds.length === 0) return;
    // See JOB_LOCK.ssfStreams: taken before the streams are read, so that the read sees a stream created concurrently, or its backfill sees us.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock_shared(${JOB_LOCK.ssfStreams})`;
    const streams = await tx.ssfStream.findMany({ where: { status: { not: 'disabled' } }, select: STREAM_FIELDS });
    await this.write(tx, streams, eventsForEndedSessions(this.config.tokens.issuer, ended), ended.at);
  }

  /** A verification event, to that stream only, whatever it requested (SSF 1.0 §8.1.4). */
  recordVerification(tx: Prisma.TransactionClient, stream: OutboxStream, state: string | undefined, at: Date): Promise<void> {
    return this.write(tx, [stream], [verificationEvent(stream.id, state)], at, { whateverRequested: true });
  }

  /**
   * A new stream's first events: the sessions revoked while their access
   * tokens may still be in use, so that a receiver that starts now refuses
   * them as one that had been listening would. The caller holds
   * JOB_LOCK.ssfStreams exclusively.
   */
  recordBackfill(tx: Prisma.TransactionClient, stream: OutboxStream, ended: EndedSessions[], at: Date): Promise<void> {
    // Only the sessions: a password changed minutes ago is no news to a receiver that starts now, a session it must refuse is.
    const events = ended.flatMap((each) => eventsForEndedSessions(this.config.tokens.issuer, each)).filter((event) => event.type === EVENT_TYPE.sessionRevoked);
    return this.write(tx, [stream], events, at);
  }

  private async write(
    tx: Prisma.TransactionClient,
    streams: OutboxStream[],
    events: SecurityEvent[],
    at: Date,
    options: { whateverRequested?: boolean } = {},
  ): Promise<void> {
    const txn = this.random.uuid();
    const rows = streams.flatMap((stream) =>
      events
        .filter((event) => options.whateverRequested || stream.eventsRequested.includes(event.type))
        .map((event) => {
          const jti = this.random.uuid();
          return {
            streamId: stream.id,
            jti,
            eventType: event.type,
            claims: setClaims(event, { issuer: this.config.tokens.issuer, audience: stream.clientId, jti, txn, issuedAt: at }),
            createdAt: at,
            nextAttemptAt: stream.deliveryMethod === 'push' ? at : null,
          };
        }),
    );
    if (rows.length === 0) return;
    await tx.ssfEvent.createMany({ data: rows });
    const streamIds = [...new Set(rows.map((row) => row.streamId))];
    const notice: SecurityEventsNotice = streamIds.length <= MAX_NAMED_STREAMS ? { streams: streamIds } : { all: true };
    await notify(tx, CHANNEL.securityEvents, notice);
  }
}
