import { Injectable, type OnModuleInit } from '@nestjs/common';
import * as argon2 from 'argon2';
import PQueue from 'p-queue';
import { AppConfig } from '../config/app-config.js';
import { AppError } from '../common/app-error.js';
import { Random } from '../common/random.js';
import { Metrics } from '../metrics/metrics.js';

export interface PasswordCheck {
  valid: boolean;
  /** The stored hash uses weaker parameters than configured: store a new one. */
  needsRehash: boolean;
}

/**
 * argon2id behind a bounded queue. argon2 runs on libuv's small thread pool,
 * which token verification, DNS and file work share; at most `maxConcurrency`
 * hashes run at once, at most `maxQueue` wait, and the rest are refused with
 * 503 at once rather than stalling every other request.
 */
@Injectable()
export class PasswordHasher implements OnModuleInit {
  private readonly queue: PQueue;
  private readonly options: argon2.HashOptions & { raw: false };
  private dummyHash = '';

  constructor(
    private readonly config: AppConfig,
    private readonly random: Random,
    private readonly metrics: Metrics,
  ) {
    this.queue = new PQueue({ concurrency: config.argon2.maxConcurrency });
    metrics.sampleHashQueue(() => this.queue.size);
    this.options = {
      type: argon2.argon2id,
      memoryCost: config.argon2.memoryKiB,
      timeCost: config.argon2.timeCost,
      parallelism: config.argon2.parallelism,
      raw: false,
    };
  }

  async onModuleInit(): Promise<void> {
    this.dummyHash = await argon2.hash(this.random.bytes(32).toString('base64url'), this.options);
  }

  hash(password: string): Promise<string> {
    return this.run(() => argon2.hash(password, this.options));
  }

  async verify(hash: string, password: string): Promise<PasswordCheck> {
    const valid = await this.run(() => argon2.verify(hash, password));
    return { valid, needsRehash: valid && argon2.needsRehash(hash, this.options) };
  }

  /** Same cost as a real verification, for unknown accounts: the answer time must not tell. */
  async verifyDummy(password: string): Promise<void> {
    await this.run(() => argon2.verify(this.dummyHash, password));
  }

  private async run<T>(task: () => Promise<T>): Promise<T> {
    const allBusy = this.queue.pending >= this.config.argon2.maxConcurrency;
    if (allBusy && this.queue.size >= this.config.argon2.maxQueue) {
      this.metrics.passwordHashRejected();
      throw new AppError('service_busy', { message: 'Too many sign-ins at once; retry in a moment.', retryAfterSeconds: 1 });
    }
    // The wait is timed by prom-client (a monotonic clock): a measurement, not a rule, so not the injectable Clock.
    const waited = this.metrics.passwordHashQueued();
    return (await this.queue.add(() => {
      waited();
      return task();
    })) as T;
  }
}
