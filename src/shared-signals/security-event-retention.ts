import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { Metrics } from '../metrics/metrics.js';
import { SecurityEventsRepository } from './security-events.repository.js';
import { StreamsRepository } from './streams.repository.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Delivered events are kept a day, so that ops can still see what went out yesterday. */
const DELIVERED_RETENTION_MS = DAY_MS;

/**
 * The purge's share of the SSF tables, batch by batch (PurgeService drains
 * each): streams whose receiver went quiet, delivered events, and events
 * never delivered within SSF_EVENT_RETENTION_DAYS. What is dropped
 * undelivered is said in the log, per stream.
 */
@Injectable()
export class SecurityEventRetention {
  private readonly logger = new Logger(SecurityEventRetention.name);

  constructor(
    private readonly events: SecurityEventsRepository,
    private readonly streams: StreamsRepository,
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {}

  /** What a pass at `now` would delete: the CLI's progress bars. */
  async backlog(now: Date): Promise<{ streams: number; events: number }> {
    const { streamInactivityDays, eventRetentionDays } = this.config.sharedSignals;
    const [streams, events] = await Promise.all([
      streamInactivityDays === 0 ? 0 : this.streams.countInactive(new Date(now.getTime() - streamInactivityDays * DAY_MS)),
      this.events.countPurgeable(new Date(now.getTime() - DELIVERED_RETENTION_MS), new Date(now.getTime() - eventRetentionDays * DAY_MS)),
    ]);
    return { streams, events };
  }

  async deleteInactiveStreams(now: Date, batchSize: number): Promise<number> {
    const days = this.config.sharedSignals.streamInactivityDays;
    if (days === 0) return 0;
    const deleted = await this.streams.deleteInactive(new Date(now.getTime() - days * DAY_MS), batchSize);
    for (const stream of deleted) {
      this.logger.warn({ msg: 'SSF stream deleted: its receiver has not been seen for too long', event: 'ssf_stream_expired', streamId: stream.id, clientId: stream.client_id, inactivityDays: days });
    }
    return deleted.length;
  }

  deleteDelivered(now: Date, batchSize: number): Promise<number> {
    return this.events.deleteDelivered(new Date(now.getTime() - DELIVERED_RETENTION_MS), batchSize);
  }

  async deleteUndelivered(now: Date, batchSize: number): Promise<number> {
    const retentionDays = this.config.sharedSignals.eventRetentionDays;
    const deleted = await this.events.deleteUndelivered(new Date(now.getTime() - retentionDays * DAY_MS), batchSize);
    const byStream = new Map<string, { waiting: number; deadLettered: number }>();
    for (const { streamId, dead } of deleted) {
      const counts = byStream.get(streamId) ?? { waiting: 0, deadLettered: 0 };
      counts[dead ? 'deadLettered' : 'waiting'] += 1;
      byStream.set(streamId, counts);
    }
    for (const [streamId, counts] of byStream) {
      this.logger.warn({ msg: 'security events purged undelivered', event: 'ssf_events_expired', streamId, ...counts, retentionDays });
    }
    this.metrics.ssfEventsExpired(deleted.length);
    return deleted.length;
  }
}
