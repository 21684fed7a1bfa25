import type { PollAnswer } from '../../shared-signals/poll-delivery.service.js';
import type { StreamConfiguration, StreamRecord } from '../../shared-signals/stream-configuration.js';

/** A stream's configuration as SSF 1.0 §8.1.1 names it; the push authorization is never sent back. */
export function toStreamConfigurationView(config: StreamConfiguration) {
  return {
    stream_id: config.stream_id,
    iss: config.iss,
    aud: config.aud,
    delivery: config.delivery,
    events_supported: config.events_supported,
    events_requested: config.events_requested,
    events_delivered: config.events_delivered,
    min_verification_interval: config.min_verification_interval,
    ...('inactivity_timeout' in config ? { inactivity_timeout: config.inactivity_timeout } : {}),
    ...('description' in config ? { description: config.description } : {}),
  };
}

/** SSF 1.0 §8.1.2.1. */
export function toStreamStatusView(stream: StreamRecord) {
  return { stream_id: stream.id, status: stream.status, ...(stream.statusReason === null ? {} : { reason: stream.statusReason }) };
}

/** RFC 8936 §2.5: the SETs by jti, and whether more wait. */
export function toPollView(answer: PollAnswer) {
  return { sets: answer.sets, moreAvailable: answer.moreAvailable };
}
