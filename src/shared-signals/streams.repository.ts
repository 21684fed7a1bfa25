import { Injectable } from '@nestjs/common';
import { JOB_LOCK } from '../database/job-locks.js';
import { type Prisma, PrismaService } from '../database/prisma.service.js';
import { MAX_STREAMS_PER_RECEIVER } from './delivery-rules.js';
import { SecurityEventOutbox } from './security-event-outbox.js';
import type { DeliveryMethod, EndedSessions } from './security-events.js';
import type { StreamRecord, StreamStatus } from './stream-configuration.js';

/** What a receiver sets (SSF's receiver-supplied properties), the push authorization already sealed (left out: unchanged). */
export interface StreamSettings {
  deliveryMethod: DeliveryMethod;
  endpointUrl: string | null;
  authorizationCiphertext?: Uint8Array<ArrayBuffer> | null;
  eventsRequested: string[];
  description: string | null;
}

const RECORD_FIELDS = {
  id: true,
  clientId: true,
  deliveryMethod: true,
  endpointUrl: true,
  eventsRequested: true,
  description: true,
  status: true,
  statusReason: true,
  createdAt: true,
  lastSeenAt: true,
} as const;

/** A receiver's request counts as activity at most this often: a poll a second must not be a write a second. */
const ACTIVITY_RESOLUTION_MS = 60_000;

const asRecord = (row: Prisma.SsfStreamGetPayload<{ select: typeof RECORD_FIELDS }>): StreamRecord => row as StreamRecord;

/**
 * The streams. Every change to which streams exist or what they receive
 * takes JOB_LOCK.ssfStreams exclusively, in its transaction: revocations
 * take it shared before they address their events, so each one sees a
 * stream wholly before or wholly after such a change (and never inserts an
 * event for a stream being deleted).
 */
@Injectable()
export class StreamsRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly outbox: SecurityEventOutbox,
  ) {}

  /** A new stream and its backfill (read under the lock by `backfill`); null when the receiver has too many streams. */
  create(
    stream: StreamSettings & { id: string; clientId: string; at: Date },
    backfill: (tx: Prisma.TransactionClient) => Promise<EndedSessions[]>,
  ): Promise<StreamRecord | null> {
    return this.changeStreams(async (tx) => {
      if ((await tx.ssfStream.count({ where: { clientId: stream.clientId } })) >= MAX_STREAMS_PER_RECEIVER) return null;
      const { at, ...settings } = stream;
      const created = await tx.ssfStream.create({
        data: { ...settings, status: 'enabled', createdAt: at, updatedAt: at, lastSeenAt: at },
        select: RECORD_FIELDS,
      });
      await this.outbox.recordBackfill(tx, created, await backfill(tx), at);
      return asRecord(created);
    });
  }

  async findOwned(clientId: string, id: string): Promise<StreamRecord | null> {
    const row = await this.prisma.ssfStream.findFirst({ where: { id, clientId }, select: RECORD_FIELDS });
    return row && asRecord(row);
  }

  async exists(id: string): Promise<boolean> {
    return (await this.prisma.ssfStream.count({ where: { id } })) === 1;
  }

  /** Every receiver's streams, for ops. */
  async listAll(): Promise<StreamRecord[]> {
    return (await this.prisma.ssfStream.findMany({ select: RECORD_FIELDS, orderBy: [{ clientId: 'asc' }, { createdAt: 'asc' }] })).map(asRecord);
  }

  async listOwned(clientId: string): Promise<StreamRecord[]> {
    return (await this.prisma.ssfStream.findMany({ where: { clientId }, select: RECORD_FIELDS, orderBy: { createdAt: 'asc' } })).map(asRecord);
  }

  /** The receiver's settings replaced; its waiting events follow a change of delivery method. */
  update(clientId: string, id: string, settings: StreamSettings, at: Date): Promise<StreamRecord | null> {
    return this.changeStreams(async (tx) => {
      const current = await tx.ssfStream.findFirst({ where: { id, clientId }, select: { deliveryMethod: true } });
      if (!current) return null;
      const updated = await tx.ssfStream.update({ where: { id }, data: { ...settings, updatedAt: at, lastSeenAt: at }, select: RECORD_FIELDS });
      if (current.deliveryMethod !== settings.deliveryMethod) {
        // Pushed events wait on next_attempt_at; polled ones are simply there. Dead letters get another chance by the new method.
        await tx.ssfEvent.updateMany({
          where: { streamId: id, deliveredAt: null },
          data: { nextAttemptAt: settings.deliveryMethod === 'push' ? at : null, deadAt: null, attempts: 0 },
        });
      }
      return asRecord(updated);
    });
  }

  delete(clientId: string, id: string): Promise<boolean> {
    return this.changeStreams(async (tx) => (await tx.ssfStream.deleteMany({ where: { id, clientId } })).count === 1);
  }

  /** SSF 1.0 §8.1.2: a disabled stream holds nothing, so its waiting events go. */
  setStatus(clientId: string, id: string, status: StreamStatus, reason: string | null, at: Date): Promise<StreamRecord | null> {
    return this.changeStreams(async (tx) => {
      const changed = await tx.ssfStream.updateManyAndReturn({
        where: { id, clientId },
        data: { status, statusReason: reason, updatedAt: at, lastSeenAt: at },
        select: RECORD_FIELDS,
      });
      if (changed.length === 0) return null;
      if (status === 'disabled') await tx.ssfEvent.deleteMany({ where: { streamId: id, deliveredAt: null } });
      return asRecord(changed[0]!);
    });
  }

  /** The receiver asked about the stream: its inactivity timeout starts again. */
  async touch(id: string, at: Date): Promise<void> {
    await this.prisma.ssfStream.updateMany({
      where: { id, lastSeenAt: { lt: new Date(at.getTime() - ACTIVITY_RESOLUTION_MS) } },
      data: { lastSeenAt: at },
    });
  }

  /**
   * A verification event, unless the last one was asked for less than
   * `minIntervalMs` ago (compare-and-set on the time of the last request).
   * A disabled stream answers yes and gets nothing, as it gets nothing else.
   */
  requestVerification(
    clientId: string,
    id: string,
    state: string | undefined,
    at: Date,
    minIntervalMs: number,
  ): Promise<'queued' | { tooSoonUntil: Date } | 'not_found'> {
    return this.prisma.transaction(async (tx) => {
      const [stream] = await tx.ssfStream.updateManyAndReturn({
        where: { id, clientId, OR: [{ lastVerificationAt: null }, { lastVerificationAt: { lte: new Date(at.getTime() - minIntervalMs) } }] },
        data: { lastVerificationAt: at, lastSeenAt: at },
        select: { ...RECORD_FIELDS, lastVerificationAt: true },
      });
      if (!stream) {
        const existing = await tx.ssfStream.findFirst({ where: { id, clientId }, select: { lastVerificationAt: true } });
        if (!existing?.lastVerificationAt) return 'not_found';
        return { tooSoonUntil: new Date(existing.lastVerificationAt.getTime() + minIntervalMs) };
      }
      if (stream.status !== 'disabled') await this.outbox.recordVerification(tx, stream, state, at);
      return 'queued';
    });
  }

  /**
   * Retention: deletes at most `batchSize` streams whose receiver has not been
   * seen since `cutoff`, with their events; returns them. Nothing while
   * another instance runs a retention batch (JOB_LOCK.retention).
   */
  /** How many streams deleteInactive would remove for this cutoff (the CLI's progress bar). */
  countInactive(cutoff: Date): Promise<number> {
    return this.prisma.ssfStream.count({ where: { lastSeenAt: { lt: cutoff } } });
  }

  deleteInactive(cutoff: Date, batchSize: number): Promise<Array<{ id: string; client_id: string }>> {
    return this.prisma.transaction(async (tx) => {
      const [job] = await tx.$queryRaw<Array<{ ours: boolean }>>`SELECT pg_try_advisory_xact_lock(${JOB_LOCK.retention}) AS ours`;
      if (!job?.ours) return [];
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${JOB_LOCK.ssfStreams})`;
      return tx.$queryRaw<Array<{ id: string; client_id: string }>>`
        DELETE FROM "ssf_streams" WHERE "id" IN (
          SELECT "id" FROM "ssf_streams" WHERE "last_seen_at" < ${cutoff} ORDER BY "id" LIMIT ${batchSize}
        ) RETURNING "id", "client_id"`;
    });
  }

  private changeStreams<T>(work: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
    return this.prisma.transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${JOB_LOCK.ssfStreams})`;
      return work(tx);
    });
  }
}
