import { isDeepStrictEqual } from 'node:util';
import { MIN_VERIFICATION_INTERVAL_SECONDS } from './delivery-rules.js';
import { DELIVERY_METHOD, type DeliveryMethod, EVENTS_SUPPORTED } from './security-events.js';

/** A stream as stored, its secrets left sealed. */
export interface StreamRecord {
  id: string;
  clientId: string;
  deliveryMethod: DeliveryMethod;
  endpointUrl: string | null;
  eventsRequested: string[];
  description: string | null;
  status: StreamStatus;
  statusReason: string | null;
  createdAt: Date;
  lastSeenAt: Date;
}

export const STREAM_STATUSES = ['enabled', 'paused', 'disabled'] as const;
export type StreamStatus = (typeof STREAM_STATUSES)[number];

/** Where this transmitter's endpoints are: under AUTH_ISSUER, as SSF 1.0 §7 expects. */
export function transmitterEndpoints(issuer: string) {
  const base = issuer.replace(/\/+$/, '');
  return {
    issuer,
    jwksUri: `${base}/.well-known/jwks.json`,
    configuration: `${base}/ssf/stream`,
    status: `${base}/ssf/status`,
    verification: `${base}/ssf/verify`,
    poll: (streamId: string) => `${base}/ssf/poll/${streamId}`,
  };
}

/** The transmitter's metadata (SSF 1.0 §7.1); subjects are not managed: every stream hears of every user. */
export function transmitterMetadata(issuer: string) {
  const endpoints = transmitterEndpoints(issuer);
  return {
    spec_version: '1_0',
    issuer,
    jwks_uri: endpoints.jwksUri,
    delivery_methods_supported: [DELIVERY_METHOD.push, DELIVERY_METHOD.poll],
    configuration_endpoint: endpoints.configuration,
    status_endpoint: endpoints.status,
    verification_endpoint: endpoints.verification,
    // A service credential of SERVICE_CREDENTIALS with the `ssf` scope, sent as HTTP Basic.
    authorization_schemes: [{ spec_urn: 'urn:ietf:rfc:7617' }],
    default_subjects: 'ALL',
  };
}

/** The events a stream gets: those it asked for that we send. */
export function eventsDelivered(requested: readonly string[]): string[] {
  return EVENTS_SUPPORTED.filter((type) => requested.includes(type));
}

/** A stream's configuration as SSF 1.0 §8.1.1 describes it (no secret: the push authorization is never shown). */
export function streamConfiguration(stream: StreamRecord, context: { issuer: string; inactivityDays: number }) {
  const endpoints = transmitterEndpoints(context.issuer);
  return {
    stream_id: stream.id,
    iss: context.issuer,
    aud: stream.clientId,
    delivery: {
      method: DELIVERY_METHOD[stream.deliveryMethod],
      endpoint_url: stream.deliveryMethod === 'poll' ? endpoints.poll(stream.id) : stream.endpointUrl,
    },
    events_supported: [...EVENTS_SUPPORTED],
    events_requested: stream.eventsRequested,
    events_delivered: eventsDelivered(stream.eventsRequested),
    min_verification_interval: MIN_VERIFICATION_INTERVAL_SECONDS,
    ...(context.inactivityDays > 0 ? { inactivity_timeout: context.inactivityDays * 86_400 } : {}),
    ...(stream.description === null ? {} : { description: stream.description }),
  };
}

export type StreamConfiguration = ReturnType<typeof streamConfiguration>;

const TRANSMITTER_SUPPLIED = ['iss', 'aud', 'events_supported', 'events_delivered', 'min_verification_interval', 'inactivity_timeout'] as const;

/**
 * SSF 1.0 §8.1.1.3–4: an update may repeat transmitter-supplied properties,
 * which must then equal ours (events_delivered as it was before the
 * update). Returns the names of those that differ.
 */
export function transmitterFieldMismatches(request: Partial<Record<(typeof TRANSMITTER_SUPPLIED)[number], unknown>>, current: StreamConfiguration): string[] {
  const ours: Record<string, unknown> = current;
  return TRANSMITTER_SUPPLIED.filter((name) => {
    const theirs = request[name];
    if (theirs === undefined) return false;
    // `aud` may be sent as a one-element array.
    if (name === 'aud' && Array.isArray(theirs) && theirs.length === 1) return theirs[0] !== ours.aud;
    return !isDeepStrictEqual(theirs, ours[name]);
  });
}
