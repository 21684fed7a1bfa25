import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { AsyncResource } from 'node:async_hooks';
import PQueue from 'p-queue';
import { runAfterTheAnswer } from '../common/logger.js';

/** Jobs running at once: SMTP is waiting, not work, but a slow server should not collect hundreds of sockets. */
const CONCURRENCY = 2;
/** Jobs waiting at most; a flood beyond this is refused rather than held in memory. */
const MAX_WAITING = 1000;

/**
 * The work behind a mail (find the account, store a token, talk SMTP), run
 * after the request that asked for it has its answer. So the answer of
 * forgot-password is the same, and as quick, whether or not the account
 * exists: nothing that depends on the account runs before it is sent. A
 * failed job is logged and not retried; the user can ask again.
 */
@Injectable()
export class MailJobs implements OnModuleDestroy {
  private readonly logger = new Logger(MailJobs.name);
  /** Protected: the tests hold and count the jobs (test/helpers/held-mail-jobs.ts). */
  protected readonly queue = new PQueue({ concurrency: CONCURRENCY });

  /** False, and the job dropped, when MAX_WAITING jobs wait already. */
  enqueue(name: string, job: () => Promise<void>): boolean {
    if (this.queue.size >= MAX_WAITING) {
      this.logger.warn({ msg: 'mail queue full: job dropped', event: 'mail_job_dropped', job: name });
      return false;
    }
    // Bound to the caller's async context: its log lines name the request that asked for it (`queuedBy`).
    const run = AsyncResource.bind(() =>
      runAfterTheAnswer(async () => {
        try {
          await job();
        } catch (error) {
          this.logger.error({ msg: 'mail job failed', event: 'mail_job_failed', job: name, err: error });
        }
      }),
    );
    void this.queue.add(run);
    return true;
  }

  /** Resolves once no job waits or runs. */
  idle(): Promise<void> {
    return this.queue.onIdle();
  }

  /** Before the database closes (a global module, destroyed after this one): jobs under way finish, bounded by the shutdown deadline. */
  async onModuleDestroy(): Promise<void> {
    await this.idle();
  }
}
