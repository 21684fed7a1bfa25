import { ApiProperty } from '@nestjs/swagger';
import type { StreamOverview } from '../shared-signals/shared-signals-admin.service.js';
import type { DeliveryMethod } from '../shared-signals/security-events.js';
import { STREAM_STATUSES, type StreamStatus } from '../shared-signals/stream-configuration.js';

export class StreamOverviewView {
  @ApiProperty({ format: 'uuid' }) streamId!: string;
  @ApiProperty({ description: "The receiver's service client id.", example: 'billing' }) clientId!: string;
  @ApiProperty({ enum: ['push', 'poll'] }) delivery!: DeliveryMethod;
  @ApiProperty({
    type: String,
    nullable: true,
    description: "Push: the receiver's endpoint, its query shown as `?…`; poll: null.",
    example: 'https://billing.example/ssf/events?…',
  })
  endpointUrl!: string | null;
  @ApiProperty({ type: [String], description: 'Event type URIs, as the receiver asked.' }) eventsRequested!: string[];
  @ApiProperty({ enum: STREAM_STATUSES }) status!: StreamStatus;
  @ApiProperty({ type: String, nullable: true, description: 'As the receiver gave it when it set the status.' }) statusReason!: string | null;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time', description: "The receiver's last sign of life; the purge deletes the stream SSF_STREAM_INACTIVITY_DAYS after it." })
  lastSeenAt!: string;
  @ApiProperty({ description: 'Events neither delivered nor dead-lettered.' }) waiting!: number;
  @ApiProperty({ description: 'Events push delivery gave up on.' }) deadLettered!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When the oldest waiting event was written.' }) oldestWaitingAt!: string | null;
}

export class StreamOverviewsView {
  @ApiProperty({ type: [StreamOverviewView] }) streams!: StreamOverviewView[];
}

/**
 * Some receivers put a secret in the endpoint's query (`?token=`), as they
 * may not in its user info or fragment (the push address rules refuse those): ops need
 * the host and path to tell streams apart, not the secret.
 */
export function endpointShownToOps(endpointUrl: string): string {
  const url = new URL(endpointUrl);
  return `${url.origin}${url.pathname}${url.search ? '?…' : ''}`;
}

/** A stream as ops see it: whose, where it delivers, and what is waiting or dead-lettered. */
export function toStreamOverviewView(overview: StreamOverview): StreamOverviewView {
  const { stream } = overview;
  return {
    streamId: stream.id,
    clientId: stream.clientId,
    delivery: stream.deliveryMethod,
    endpointUrl: stream.endpointUrl === null ? null : endpointShownToOps(stream.endpointUrl),
    eventsRequested: stream.eventsRequested,
    status: stream.status,
    statusReason: stream.statusReason,
    description: stream.description,
    createdAt: stream.createdAt.toISOString(),
    lastSeenAt: stream.lastSeenAt.toISOString(),
    waiting: overview.waiting,
    deadLettered: overview.deadLettered,
    oldestWaitingAt: overview.oldestWaitingAt?.toISOString() ?? null,
  };
}

export class DeadLetterView {
  @ApiProperty({ format: 'uuid' }) jti!: string;
  @ApiProperty({ example: 'https://schemas.openid.net/secevent/caep/event-type/session-revoked' }) eventType!: string;
  @ApiProperty({ description: 'Push attempts made.' }) attempts!: number;
  @ApiProperty({ type: String, nullable: true, description: "The last attempt's failure (the receiver's RFC 8935 `err` when it gave one)." }) lastError!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) deadLetteredAt!: string | null;
}

export class DeadLettersView {
  @ApiProperty({ type: [DeadLetterView] }) events!: DeadLetterView[];
}

/** A security event that push delivery gave up on. */
export function toDeadLetterView(event: { jti: string; eventType: string; attempts: number; lastError: string | null; createdAt: Date; deadAt: Date | null }): DeadLetterView {
  return {
    jti: event.jti,
    eventType: event.eventType,
    attempts: event.attempts,
    lastError: event.lastError,
    createdAt: event.createdAt.toISOString(),
    deadLetteredAt: event.deadAt?.toISOString() ?? null,
  };
}

export class DeadLettersRequeuedView {
  @ApiProperty({ format: 'uuid' }) streamId!: string;
  @ApiProperty({ description: 'How many dead letters were queued again, each with a full set of attempts.' }) requeued!: number;
}
