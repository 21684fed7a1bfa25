import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { AUDIT_EVENT, SYSTEM_ACTOR } from '../audit/audit-entry.js';
import { Clock } from '../common/clock.js';
import { AppConfig } from '../config/app-config.js';
import { dueKeyStep, KEY_RELOAD_INTERVAL_SECONDS, retiredPublishUntil } from './key-lifecycle.js';
import { type AppliedKeyStep, SigningKeysRepository } from './signing-keys.repository.js';
import { SigningKeysService } from './signing-keys.service.js';

/** More steps than one pass can ever find due (an expiry per retired key, one promotion or one staging). */
const MAX_STEPS_PER_PASS = 8;

const STEP_LOG = {
  stage: { msg: 'next signing key published by the schedule', event: AUDIT_EVENT.keyStaged },
  promote: { msg: 'signing key rotated by the schedule', event: AUDIT_EVENT.keyPromoted },
  expire: { msg: 'retired signing key left the JWKS', event: AUDIT_EVENT.keyExpired },
} as const;

/**
 * Keys that rotate themselves: every instance checks the schedule on the
 * key re-read interval and takes whatever step is due (key-lifecycle.ts).
 * Each step runs under the key lock on the rows as they are then, so one
 * instance takes it and the others find it done; every instance then signs
 * with the new key from its next re-read.
 */
@Injectable()
export class KeySchedule implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(KeySchedule.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<AppliedKeyStep[]> | undefined;

  constructor(
    private readonly repository: SigningKeysRepository,
    private readonly keys: SigningKeysService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.runQuietly();
    this.timer = setInterval(() => void this.runQuietly(), KEY_RELOAD_INTERVAL_SECONDS * 1000);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Takes every step due now, each once across all instances, and re-reads the keys if any was taken here. */
  runDueSteps(): Promise<AppliedKeyStep[]> {
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async run(): Promise<AppliedKeyStep[]> {
    const settings = this.config.tokens;
    const applied: AppliedKeyStep[] = [];
    for (let pass = 0; pass < MAX_STEPS_PER_PASS; pass++) {
      const now = this.clock.now();
      // A lock-free look first: on most ticks nothing is due, and no instance needs the lock.
      if (!dueKeyStep(await this.repository.listLifecycle(), now, settings)) break;
      const step = await this.repository.applyDueStep(now, (keys) => dueKeyStep(keys, now, settings), {
        create: () => this.keys.generate(),
        retiredPublishUntil: retiredPublishUntil(now, settings),
        audit: (type, data) => ({ type, actor: SYSTEM_ACTOR, origin: 'schedule', userId: null, sessionId: null, ip: null, userAgent: null, data: { ...data, trigger: 'schedule' } }),
      });
      if (!step) break;
      applied.push(step);
      this.logger.log({ ...STEP_LOG[step.kind], ...step, trigger: 'schedule' });
    }
    if (applied.length > 0) await this.keys.reload();
    return applied;
  }

  private async runQuietly(): Promise<void> {
    try {
      await this.runDueSteps();
    } catch (error) {
      this.logger.error({ msg: 'the signing-key schedule could not run; it retries on the next tick', err: error });
    }
  }
}
