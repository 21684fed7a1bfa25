import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AccountTokensRepository } from '../account/account-tokens.repository.js';
import { AuditReader } from '../audit/audit.reader.js';
import { AuditWriter } from '../audit/audit.writer.js';
import { Clock } from '../common/clock.js';
import { AppConfig } from '../config/app-config.js';
import { Metrics } from '../metrics/metrics.js';
import { revocationWindowSeconds } from '../sessions/revocation-feed.service.js';
import { SessionsRepository } from '../sessions/sessions.repository.js';
import { UsersRepository } from '../users/users.repository.js';
import { SecurityEventRetention } from '../shared-signals/security-event-retention.js';

export interface PurgeResult {
  sessionsDeleted: number;
  /** Deleted accounts whose row (and sessions) had waited out the revocation feed's window. */
  usersDeleted: number;
  accountTokensDeleted: number;
  auditEventsDeleted: number;
  /** SSF streams whose receiver went quiet (with their events). */
  streamsDeleted: number;
  /** SSF events: delivered, or past SSF_EVENT_RETENTION_DAYS undelivered. */
  securityEventsDeleted: number;
  batches: number;
  durationMs: number;
}

type PurgedTable = 'sessions' | 'users' | 'account_tokens' | 'audit_events' | 'ssf_streams' | 'ssf_events';

export type PurgeProgress = (step: { table: PurgedTable; deletedSoFar: number }) => void;

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Removes what outlived its retention period, on a timer and from the CLI:
 * ended sessions, deleted accounts (once the revocation feed no longer
 * needs their sessions), expired account tokens, old audit events, and
 * spent SSF streams and security events.
 */
@Injectable()
export class PurgeService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PurgeService.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<PurgeResult> | undefined;

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly users: UsersRepository,
    private readonly accountTokens: AccountTokensRepository,
    private readonly audit: AuditWriter,
    private readonly auditReader: AuditReader,
    private readonly securityEvents: SecurityEventRetention,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
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

  /** What a pass would delete now: for a progress bar (rows may change before the pass runs). */
  async backlog(): Promise<Record<PurgedTable, number>> {
    const { sessionCutoff, deletedAccountCutoff, auditCutoff } = this.cutoffs(this.clock.now().getTime());
    const [sessions, users, accountTokens, auditEvents, securityEvents] = await Promise.all([
      this.sessions.countEnded(sessionCutoff),
      this.users.countMarkedBefore(deletedAccountCutoff),
      this.accountTokens.countExpiredBefore(sessionCutoff),
      auditCutoff ? this.auditReader.countOlderThan(auditCutoff) : 0,
      this.securityEvents.backlog(this.clock.now()),
    ]);
    return { sessions, users, account_tokens: accountTokens, audit_events: auditEvents, ssf_streams: securityEvents.streams, ssf_events: securityEvents.events };
  }

  private cutoffs(now: number): { sessionCutoff: Date; deletedAccountCutoff: Date; auditCutoff: Date | undefined } {
    const { retentionDays, auditRetentionDays } = this.config.purge;
    return {
      sessionCutoff: new Date(now - retentionDays * DAY_MS),
      // A deleted account's sessions stay in the revocation feed for its window: the row waits that long.
      deletedAccountCutoff: new Date(now - revocationWindowSeconds(this.config) * 1000),
      auditCutoff: auditRetentionDays === 0 ? undefined : new Date(now - auditRetentionDays * DAY_MS),
    };
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
    const { batchSize } = this.config.purge;
    const { sessionCutoff, deletedAccountCutoff, auditCutoff } = this.cutoffs(now);
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

    const sessionsDeleted = await drain('sessions', async () => {
      const deleted = await this.sessions.deleteEnded(sessionCutoff, batchSize);
      this.metrics.sessionsEnded('expiry_purge', deleted);
      return deleted;
    });
    const usersDeleted = await drain('users', () => this.users.deleteMarkedBefore(deletedAccountCutoff, batchSize));
    const accountTokensDeleted = await drain('account_tokens', () => this.accountTokens.deleteExpiredBefore(sessionCutoff, batchSize));
    const auditEventsDeleted = auditCutoff ? await drain('audit_events', () => this.audit.deleteOlderThan(auditCutoff, batchSize)) : 0;

    const at = new Date(now);
    const streamsDeleted = await drain('ssf_streams', () => this.securityEvents.deleteInactiveStreams(at, batchSize));
    const securityEventsDeleted =
      (await drain('ssf_events', () => this.securityEvents.deleteDelivered(at, batchSize))) +
      (await drain('ssf_events', () => this.securityEvents.deleteUndelivered(at, batchSize)));

    const result = {
      sessionsDeleted,
      usersDeleted,
      accountTokensDeleted,
      auditEventsDeleted,
      streamsDeleted,
      securityEventsDeleted,
      batches,
      durationMs: this.clock.now().getTime() - now,
    };
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
