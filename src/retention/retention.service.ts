import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AuditWriter } from '../audit/audit.writer.js';
import { Clock } from '../common/clock.js';
import { AppConfig } from '../config/app-config.js';
import { SessionsRepository } from '../sessions/sessions.repository.js';

export interface PurgeResult {
  sessionsDeleted: number;
  auditEventsDeleted: number;
  batches: number;
  durationMs: number;
}

export type PurgeProgress = (step: { table: 'sessions' | 'audit_events'; deletedSoFar: number }) => void;

const DAY_MS = 24 * 60 * 60 * 1000;

/** Removes ended sessions and old audit events after their retention period, on a timer and from the CLI. */
@Injectable()
export class PurgeService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PurgeService.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<PurgeResult> | undefined;

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly audit: AuditWriter,
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

    const drain = async (table: 'sessions' | 'audit_events', deleteBatch: () => Promise<number>) => {
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

    const result = { sessionsDeleted, auditEventsDeleted, batches, durationMs: this.clock.now().getTime() - now };
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
