import { Injectable } from '@nestjs/common';
import type { AuditEntry } from '../audit/audit-entry.js';
import { AuditWriter } from '../audit/audit.writer.js';
import { JOB_LOCK } from '../database/job-locks.js';
import { type Prisma, PrismaService } from '../database/prisma.service.js';

/** A push claimed for one attempt. */
export interface ClaimedPush {
  id: bigint;
  streamId: string;
  jti: string;
  claims: Prisma.JsonObject;
  attempts: number;
  endpointUrl: string;
  authorizationCiphertext: Uint8Array | null;
}

export interface StreamBacklog {
  streamId: string;
  waiting: number;
  deadLettered: number;
  oldestWaitingAt: Date | null;
}

/** An event a poll may hand out: its id and the claims its SET is signed from. */
export interface WaitingEvent {
  jti: string;
  claims: Prisma.JsonValue;
}

/** The outbox as delivery reads and updates it, and as ops and the purge see it. */
@Injectable()
export class SecurityEventsRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditWriter,
  ) {}

  /**
   * Claims up to `limit` due pushes of enabled push streams for one attempt,
   * in one statement: rows another instance is claiming are skipped (SKIP
   * LOCKED), and a claimed row is not due again before `leaseUntil`, so each
   * event is pushed by one instance at a time. The attempt is counted here,
   * so that an event whose push kills the process cannot be retried for ever.
   */
  claimDuePushes(now: Date, leaseUntil: Date, limit: number): Promise<ClaimedPush[]> {
    return this.prisma.$queryRaw<ClaimedPush[]>`
      WITH due AS (
        SELECT e."id", s."endpoint_url", s."authorization_ciphertext"
        FROM "ssf_events" e JOIN "ssf_streams" s ON s."id" = e."stream_id"
        WHERE e."next_attempt_at" <= ${now} AND s."delivery_method" = 'push' AND s."status" = 'enabled'
        ORDER BY e."next_attempt_at", e."id"
        LIMIT ${limit}
        FOR UPDATE OF e SKIP LOCKED
      )
      UPDATE "ssf_events" e SET "attempts" = e."attempts" + 1, "next_attempt_at" = ${leaseUntil}
      FROM due WHERE e."id" = due."id"
      RETURNING e."id", e."stream_id" AS "streamId", e."jti"::text AS "jti", e."claims", e."attempts",
                due."endpoint_url" AS "endpointUrl", due."authorization_ciphertext" AS "authorizationCiphertext"`;
  }

  async markDelivered(id: bigint, at: Date): Promise<void> {
    await this.prisma.ssfEvent.updateMany({ where: { id, deliveredAt: null }, data: { deliveredAt: at, nextAttemptAt: null, lastError: null } });
  }

  async scheduleRetry(id: bigint, nextAttemptAt: Date, error: string): Promise<void> {
    await this.prisma.ssfEvent.updateMany({ where: { id, deliveredAt: null }, data: { nextAttemptAt, lastError: error } });
  }

  async deadLetter(id: bigint, at: Date, error: string): Promise<void> {
    await this.prisma.ssfEvent.updateMany({ where: { id, deliveredAt: null }, data: { deadAt: at, nextAttemptAt: null, lastError: error } });
  }

  /** RFC 8936: the oldest events not yet acknowledged, in the order they were written; none while the stream is not enabled. */
  waitingForPoll(streamId: string, limit: number): Promise<WaitingEvent[]> {
    return this.prisma.ssfEvent.findMany({
      where: { streamId, deliveredAt: null, deadAt: null, stream: { status: 'enabled' } },
      select: { jti: true, claims: true },
      orderBy: { id: 'asc' },
      take: limit,
    });
  }

  /** Acknowledgements (RFC 8936 `ack`), and errors (`setErrs`), which end delivery just the same; unknown jtis change nothing. */
  acknowledge(streamId: string, acks: string[], errors: Array<{ jti: string; error: string }>, at: Date): Promise<void> {
    return this.prisma.transaction(async (tx) => {
      if (acks.length > 0) {
        await tx.ssfEvent.updateMany({ where: { streamId, jti: { in: acks }, deliveredAt: null }, data: { deliveredAt: at, nextAttemptAt: null } });
      }
      for (const { jti, error } of errors) {
        await tx.ssfEvent.updateMany({ where: { streamId, jti, deliveredAt: null }, data: { deliveredAt: at, nextAttemptAt: null, lastError: error } });
      }
    });
  }

  /** Per stream: events waiting, dead letters, and the oldest waiting one. */
  async backlog(): Promise<StreamBacklog[]> {
    const rows = await this.prisma.$queryRaw<Array<{ streamId: string; waiting: bigint; deadLettered: bigint; oldestWaitingAt: Date | null }>>`
      SELECT "stream_id" AS "streamId",
             count(*) FILTER (WHERE "dead_at" IS NULL) AS "waiting",
             count(*) FILTER (WHERE "dead_at" IS NOT NULL) AS "deadLettered",
             min("created_at") FILTER (WHERE "dead_at" IS NULL) AS "oldestWaitingAt"
      FROM "ssf_events" WHERE "delivered_at" IS NULL GROUP BY "stream_id"`;
    return rows.map((row) => ({ ...row, waiting: Number(row.waiting), deadLettered: Number(row.deadLettered) }));
  }

  deadLetters(streamId: string, limit: number) {
    return this.prisma.ssfEvent.findMany({
      where: { streamId, deadAt: { not: null }, deliveredAt: null },
      select: { jti: true, eventType: true, attempts: true, lastError: true, createdAt: true, deadAt: true },
      orderBy: { id: 'asc' },
      take: limit,
    });
  }

  /** Dead letters queued again from scratch, and the audit event of the admin who asked, in one transaction. */
  requeueDeadLetters(streamId: string, at: Date, audit: AuditEntry): Promise<number> {
    return this.prisma.transaction(async (tx) => {
      const { count } = await tx.ssfEvent.updateMany({
        where: { streamId, deadAt: { not: null }, deliveredAt: null },
        data: { deadAt: null, attempts: 0, nextAttemptAt: at },
      });
      if (count > 0) await this.audit.record(tx, { ...audit, data: { ...audit.data, streamId, events: count } });
      return count;
    });
  }

  /** How many events deleteDelivered and deleteUndelivered would remove for these cutoffs (the CLI's progress bar). */
  countPurgeable(deliveredCutoff: Date, undeliveredCutoff: Date): Promise<number> {
    return this.prisma.ssfEvent.count({
      where: { OR: [{ deliveredAt: { lt: deliveredCutoff } }, { createdAt: { lt: undeliveredCutoff }, deliveredAt: null }] },
    });
  }

  /** Retention: at most `batchSize` events delivered before `cutoff` (none while another instance runs a retention batch). */
  deleteDelivered(cutoff: Date, batchSize: number): Promise<number> {
    return this.prisma.$executeRaw`
      WITH job AS (SELECT pg_try_advisory_xact_lock(${JOB_LOCK.retention}) AS ours)
      DELETE FROM "ssf_events" WHERE (SELECT ours FROM job) AND "id" IN (
        SELECT "id" FROM "ssf_events" WHERE "delivered_at" < ${cutoff} ORDER BY "id" LIMIT ${batchSize} FOR UPDATE SKIP LOCKED
      )`;
  }

  /** Retention: at most `batchSize` events written before `cutoff` and never delivered; returns their streams, for the log. */
  deleteUndelivered(cutoff: Date, batchSize: number): Promise<Array<{ streamId: string; dead: boolean }>> {
    return this.prisma.$queryRaw`
      WITH job AS (SELECT pg_try_advisory_xact_lock(${JOB_LOCK.retention}) AS ours)
      DELETE FROM "ssf_events" WHERE (SELECT ours FROM job) AND "id" IN (
        SELECT "id" FROM "ssf_events" WHERE "created_at" < ${cutoff} AND "delivered_at" IS NULL ORDER BY "id" LIMIT ${batchSize} FOR UPDATE SKIP LOCKED
      ) RETURNING "stream_id" AS "streamId", "dead_at" IS NOT NULL AS "dead"`;
  }
}
