import { Injectable, Logger } from '@nestjs/common';
import { AUDIT_EVENT } from '../audit/audit-entry.js';
import { AppError } from '../common/app-error.js';
import type { Actor } from '../common/client-info.js';
import { Clock } from '../common/clock.js';
import { SecurityEventsRepository } from './security-events.repository.js';
import type { StreamRecord } from './stream-configuration.js';
import { StreamsRepository } from './streams.repository.js';

export interface StreamOverview {
  stream: StreamRecord;
  waiting: number;
  deadLettered: number;
  oldestWaitingAt: Date | null;
}

/** What ops see of the SSF streams (every receiver's), their backlog and dead letters, and the one thing they may do: queue dead letters again. */
@Injectable()
export class SharedSignalsAdmin {
  private readonly logger = new Logger(SharedSignalsAdmin.name);

  constructor(
    private readonly streams: StreamsRepository,
    private readonly events: SecurityEventsRepository,
    private readonly clock: Clock,
  ) {}

  async listStreams(): Promise<StreamOverview[]> {
    const [streams, backlog] = await Promise.all([this.streams.listAll(), this.events.backlog()]);
    const byStream = new Map(backlog.map((entry) => [entry.streamId, entry]));
    return streams.map((stream) => {
      const entry = byStream.get(stream.id);
      return { stream, waiting: entry?.waiting ?? 0, deadLettered: entry?.deadLettered ?? 0, oldestWaitingAt: entry?.oldestWaitingAt ?? null };
    });
  }

  async deadLetters(streamId: string, limit: number) {
    await this.existing(streamId);
    return this.events.deadLetters(streamId, limit);
  }

  /** Dead letters get a full set of attempts again, at once; audited with the acting admin. */
  async requeueDeadLetters(streamId: string, actor: Actor): Promise<number> {
    await this.existing(streamId);
    const at = this.clock.now();
    const requeued = await this.events.requeueDeadLetters(streamId, at, {
      at,
      type: AUDIT_EVENT.securityEventsRequeued,
      actor: actor.id,
      origin: actor.client.origin,
      userId: null,
      sessionId: null,
      ip: actor.client.ip,
      userAgent: actor.client.userAgent,
    });
    this.logger.log({ msg: 'dead-lettered security events queued again', event: AUDIT_EVENT.securityEventsRequeued, streamId, actorId: actor.id, requeued });
    return requeued;
  }

  private async existing(streamId: string): Promise<void> {
    if (!(await this.streams.exists(streamId))) throw new AppError('stream_not_found');
  }
}
