import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { AppConfig } from '../config/app-config.js';
import { Metrics } from '../metrics/metrics.js';
import { SessionsRepository } from './sessions.repository.js';

/**
 * Counts live sessions on a timer rather than per scrape: a count over the
 * whole table is too dear to run whenever Prometheus asks. Only while
 * metrics are on (METRICS_TOKEN set).
 */
@Injectable()
export class ActiveSessionsGauge implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ActiveSessionsGauge.name);
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly metrics: Metrics,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    const seconds = this.config.metrics.activeSessionsIntervalSeconds;
    if (this.config.metrics.token === undefined || seconds === 0) return;
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), seconds * 1000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async refresh(): Promise<void> {
    try {
      this.metrics.setActiveSessions(await this.sessions.countActive(this.clock.now()));
    } catch (error) {
      this.logger.warn({ msg: 'could not count active sessions; the gauge keeps its last value', err: error });
    }
  }
}
