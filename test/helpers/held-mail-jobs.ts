import { MailJobs } from '../../src/mail/mail-jobs.js';

/**
 * The service's mail queue, holding every job until the test releases it:
 * so a test can look at an answer while the work behind it has not started,
 * and count that work.
 */
export class HeldMailJobs extends MailJobs {
  private startedCount = 0;

  constructor() {
    super();
    this.queue.pause();
  }

  /** Jobs queued and not started. */
  get waiting(): number {
    return this.queue.size;
  }

  /** Jobs started (running or done) since the queue was made. */
  get started(): number {
    return this.startedCount;
  }

  override enqueue(name: string, job: () => Promise<void>): boolean {
    return super.enqueue(name, () => {
      this.startedCount += 1;
      return job();
    });
  }

  /** Lets every job run, and resolves when they are done. */
  async release(): Promise<void> {
    this.queue.start();
    await this.idle();
  }

  /** Holds the jobs queued from now on. */
  hold(): void {
    this.queue.pause();
  }
}
