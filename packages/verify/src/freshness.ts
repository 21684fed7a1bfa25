import { describeError, type VerifierLogger } from './errors.js';

/**
 * Whether a source of revocations has answered recently enough to be
 * trusted: healthy until `maxStalenessMs` after its last answer (or after
 * it started, before the first). Says so once when it goes stale, and once
 * when it answers again.
 */
export class Freshness {
  private lastSuccessAt: number | null = null;
  private readonly startedAt: number;
  private reportedStale = false;
  lastError: string | null = null;

  constructor(
    readonly maxStalenessMs: number,
    private readonly now: () => number,
    private readonly logger: VerifierLogger,
    /** What is watched, for the log lines (`the SSF stream`), and what `verify` does while it is stale. */
    private readonly about: { what: string; failMode: 'open' | 'closed'; fields: () => Record<string, unknown> },
  ) {
    this.startedAt = now();
  }

  healthy(): boolean {
    return this.now() - (this.lastSuccessAt ?? this.startedAt) <= this.maxStalenessMs;
  }

  lastSuccess(): string | null {
    return this.lastSuccessAt === null ? null : new Date(this.lastSuccessAt).toISOString();
  }

  succeeded(): void {
    this.lastSuccessAt = this.now();
    this.lastError = null;
    if (this.reportedStale) this.logger.info(`${this.about.what} answers again`, this.about.fields());
    this.reportedStale = false;
  }

  failed(error: unknown): void {
    this.lastError = describeError(error);
    if (!this.healthy() && !this.reportedStale) {
      this.reportedStale = true;
      const failing = this.about.failMode === 'closed' ? 'refusing every token until it answers' : 'accepting tokens without it';
      this.logger.error(`${this.about.what} has not answered for over ${Math.round(this.maxStalenessMs / 1000)} s; ${failing}`, {
        ...this.about.fields(),
        failMode: this.about.failMode,
        error: this.lastError,
      });
    }
  }
}
