import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AuditWriter } from '../audit/audit.writer.js';
import { Clock } from '../common/clock.js';
import { AppConfig } from '../config/app-config.js';
import { SessionsRepository } from '../sessions/sessions.repository.js';
import { SecurityEventRetention } from '../shared-signals/security-event-retention.js';

export interface PurgeResult {
  sessionsDeleted: number;
  auditEventsDeleted: number;
  /** SSF streams whose receiver went quiet (with their events). */
  streamsDeleted: number;
  /** SSF events: delivered, or past SSF_EVENT_RETENTION_DAYS undelivered. */
  securityEventsDeleted: number;
  batches: number;
  durationMs: number;
}

type PurgedTable = 'sessions' | 'audit_events' | 'ssf_streams' | 'ssf_events';

export type PurgeProgress = (step: { table: PurgedTable; deletedSoFar: number }) => void;

const DAY_MS = 24 * 60 * 60 * 1000;

/** Removes ended sessions, old audit events and spent security events after their retention period, on a timer and from the CLI. */
@Injectable()
export class PurgeService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PurgeService.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<PurgeResult> | undefined;

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly audit: AuditWriter,
    private readonly securityEvents: SecurityEventRetention,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    const seconds = this.config.purge.intervalSeconds;
    if (seconds === 0) return;
    this.timer = setInterval(() => void this.runQuietly(), seconds * 1000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** One full pass; a pass already under way is joined rather than doubled. */
  run(onProgress: PurgeProgress = () => {}): Promise<PurgeResult> {
    this.running ??= this.pass(onProgress).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(onProgress: PurgeProgress): Promise<PurgeResult> {
    const now = this.clock.now().getTime();
    const { retentionDays, auditRetentionDays, batchSize } = this.config.purge;
    let batches = 0;

    const drain = async (table: PurgedTable, deleteBatch: () => Promise<number>) => {
      let total = 0;
      for (;;) {
        const deleted = await deleteBatch();
        batches += 1;
        total += deleted;
        if (deleted > 0) onProgress({ table, deletedSoFar: total });
        if (deleted < batchSize) return total;
      }
    };

    const sessionCutoff = new Date(now - retentionDays * DAY_MS);
    const sessionsDeleted = await drain('sessions', () => this.sessions.deleteEnded(sessionCutoff, batchSize));
    const auditEventsDeleted =
      auditRetentionDays === 0
        ? 0
        : await drain('audit_events', () => this.audit.deleteOlderThan(new Date(now - auditRetentionDays * DAY_MS), batchSize));

    const at = new Date(now);
    const streamsDeleted = await drain('ssf_streams', () => this.securityEvents.deleteInactiveStreams(at, batchSize));
    const securityEventsDeleted =
      (await drain('ssf_events', () => this.securityEvents.deleteDelivered(at, batchSize))) +
      (await drain('ssf_events', () => this.securityEvents.deleteUndelivered(at, batchSize)));

    const result = { sessionsDeleted, auditEventsDeleted, streamsDeleted, securityEventsDeleted, batches, durationMs: this.clock.now().getTime() - now };
    this.logger.log({ msg: 'purge finished', event: 'purge_completed', ...result });
    return result;
  }

  private async runQuietly(): Promise<void> {
    try {
      await this.run();
    } catch (error) {
      this.logger.error({ msg: 'purge failed; will retry at the next interval', err: error });
    }
  }
}
