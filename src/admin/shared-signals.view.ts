import type { StreamOverview } from '../shared-signals/shared-signals-admin.service.js';

/** A stream as ops see it: whose, where it delivers, and what is waiting or dead-lettered. */
export function toStreamOverviewView(overview: StreamOverview) {
  const { stream } = overview;
  return {
    streamId: stream.id,
    clientId: stream.clientId,
    delivery: stream.deliveryMethod,
    endpointUrl: stream.endpointUrl,
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

/** A security event that push delivery gave up on. */
export function toDeadLetterView(event: { jti: string; eventType: string; attempts: number; lastError: string | null; createdAt: Date; deadAt: Date | null }) {
  return {
    jti: event.jti,
    eventType: event.eventType,
    attempts: event.attempts,
    lastError: event.lastError,
    createdAt: event.createdAt.toISOString(),
    deadLetteredAt: event.deadAt?.toISOString() ?? null,
  };
}
