import { Injectable, Logger } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import { Clock } from '../common/clock.js';
import { isUuid } from '../common/uuid.js';
import { AppConfig } from '../config/app-config.js';
import { DEFAULT_POLL_EVENTS } from './delivery-rules.js';
import { EventWaiters } from './event-waiters.js';
import { SecurityEventSigner } from './security-event-signer.js';
import { SecurityEventsRepository, type WaitingEvent } from './security-events.repository.js';
import { StreamsRepository } from './streams.repository.js';
import { StreamsService } from './streams.service.js';

/** An RFC 8936 poll request, already checked for shape. */
export interface PollRequest {
  maxEvents?: number;
  returnImmediately?: boolean;
  ack?: string[];
  setErrs?: Record<string, { err: string; description?: string }>;
}

export interface PollAnswer {
  /** jti → the signed SET. */
  sets: Record<string, string>;
  moreAvailable: boolean;
}

/** What is kept of a receiver's error report (RFC 8936 `setErrs`): it is shown to ops, not trusted. */
const MAX_ERROR_LENGTH = 500;

/**
 * RFC 8936 poll delivery: acknowledgements and errors by jti end an event's
 * delivery; every event not acknowledged is handed out again at the next
 * poll; without `returnImmediately` the poll waits (at most
 * SSF_POLL_MAX_WAIT_SECONDS, holding no database connection) for an event.
 * A paused or disabled stream hands out nothing.
 */
@Injectable()
export class PollDelivery {
  private readonly logger = new Logger(PollDelivery.name);

  constructor(
    private readonly streams: StreamsService,
    private readonly streamStore: StreamsRepository,
    private readonly events: SecurityEventsRepository,
    private readonly signer: SecurityEventSigner,
    private readonly waiters: EventWaiters,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async poll(clientId: string, streamId: string, request: PollRequest): Promise<PollAnswer> {
    const stream = await this.streams.owned(clientId, streamId);
    if (stream.deliveryMethod !== 'poll') {
      throw new AppError('invalid_request', { message: 'This stream is delivered by push; change its delivery method to poll first.' });
    }
    const now = this.clock.now();
    await this.streamStore.touch(stream.id, now);
    await this.acknowledge(stream.id, request, now);

    const maxEvents = request.maxEvents ?? DEFAULT_POLL_EVENTS;
    const waitSeconds = this.config.sharedSignals.pollMaxWaitSeconds;
    const deadline = maxEvents > 0 && !request.returnImmediately && waitSeconds > 0 ? AbortSignal.timeout(waitSeconds * 1000) : undefined;
    let waiting: WaitingEvent[];
    for (;;) {
      const wake = deadline && this.waiters.listen(stream.id, deadline);
      try {
        // maxEvents 0 only acknowledges; a look at one event says whether more wait.
        waiting = await this.events.waitingForPoll(stream.id, Math.max(maxEvents, 0) + 1);
        if (!wake || waiting.length > 0 || deadline.aborted || this.waiters.closing) break;
        await wake.sleep();
        // At shutdown the poll answers with nothing rather than reach for a pool being closed.
        if (this.waiters.closing) break;
      } finally {
        wake?.stop();
      }
    }
    const handedOut = waiting.slice(0, maxEvents);
    const sets: Record<string, string> = {};
    for (const event of handedOut) sets[event.jti] = await this.signer.sign(event.claims as object);
    return { sets, moreAvailable: waiting.length > handedOut.length };
  }

  private async acknowledge(streamId: string, request: PollRequest, at: Date): Promise<void> {
    // Only our jtis can match; anything else is not an event of this stream and changes nothing.
    const acks = (request.ack ?? []).filter((jti) => isUuid(jti));
    const errors = Object.entries(request.setErrs ?? {})
      .filter(([jti]) => isUuid(jti))
      .map(([jti, { err, description }]) => ({ jti, error: `${err}${description ? `: ${description}` : ''}`.slice(0, MAX_ERROR_LENGTH) }));
    if (acks.length === 0 && errors.length === 0) return;
    await this.events.acknowledge(streamId, acks, errors, at);
    for (const { jti } of errors) {
      this.logger.warn({ msg: 'a receiver could not process a security event', event: 'ssf_event_refused', streamId, jti, err: request.setErrs![jti]!.err });
    }
  }
}
