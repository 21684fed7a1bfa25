import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { PollAnswer } from '../../shared-signals/poll-delivery.service.js';
import { DELIVERY_METHOD, type DeliveryMethod, EVENT_TYPE } from '../../shared-signals/security-events.js';
import { STREAM_STATUSES, type StreamConfiguration, type StreamRecord, type StreamStatus } from '../../shared-signals/stream-configuration.js';

type DeliveryMethodUrn = (typeof DELIVERY_METHOD)[DeliveryMethod];

const ISSUER = 'https://auth.example.com';
const EVENT_TYPES = 'Event type URIs.';

class AuthorizationSchemeView {
  @ApiProperty({ example: 'urn:ietf:rfc:7617', description: 'HTTP Basic with a service credential holding the `ssf` scope.' }) spec_urn!: string;
}

/** SSF 1.0 §7.1. */
export class TransmitterMetadataView {
  @ApiProperty({ example: '1_0' }) spec_version!: string;
  @ApiProperty({ format: 'uri', example: ISSUER }) issuer!: string;
  @ApiProperty({ format: 'uri', example: `${ISSUER}/.well-known/jwks.json` }) jwks_uri!: string;
  @ApiProperty({ type: 'array', items: { type: 'string', enum: Object.values(DELIVERY_METHOD) } }) delivery_methods_supported!: DeliveryMethodUrn[];
  @ApiProperty({ format: 'uri', example: `${ISSUER}/ssf/stream` }) configuration_endpoint!: string;
  @ApiProperty({ format: 'uri', example: `${ISSUER}/ssf/status` }) status_endpoint!: string;
  @ApiProperty({ format: 'uri', example: `${ISSUER}/ssf/verify` }) verification_endpoint!: string;
  @ApiProperty({ type: [AuthorizationSchemeView] }) authorization_schemes!: AuthorizationSchemeView[];
  @ApiProperty({ example: 'ALL', description: 'Every stream hears of every user: subjects are not managed.' }) default_subjects!: string;
}

class StreamDeliveryView {
  @ApiProperty({ enum: Object.values(DELIVERY_METHOD) }) method!: DeliveryMethodUrn;
  // The column is null for poll streams, but the answer then gives the poll endpoint; push streams always have one.
  @ApiProperty({ type: String, format: 'uri', description: "Push: the receiver's endpoint. Poll: where to poll this stream." })
  endpoint_url!: string | null;
}

/** SSF 1.0 §8.1.1. */
export class StreamConfigurationView {
  @ApiProperty({ format: 'uuid' }) stream_id!: string;
  @ApiProperty({ format: 'uri', example: ISSUER }) iss!: string;
  @ApiProperty({ description: "The receiver's client id: the `aud` of the stream's SETs.", example: 'billing' }) aud!: string;
  @ApiProperty({ type: StreamDeliveryView }) delivery!: StreamDeliveryView;
  @ApiProperty({ type: [String], description: EVENT_TYPES, example: [EVENT_TYPE.sessionRevoked, EVENT_TYPE.credentialChange] }) events_supported!: string[];
  @ApiProperty({ type: [String], description: `${EVENT_TYPES} As the receiver asked, unsupported ones included.` }) events_requested!: string[];
  @ApiProperty({ type: [String], description: `${EVENT_TYPES} Those requested that are sent.` }) events_delivered!: string[];
  @ApiProperty({ type: 'integer', description: 'Seconds between two verification requests, at least.', example: 15 }) min_verification_interval!: number;
  @ApiPropertyOptional({ type: 'integer', description: 'Seconds without a sign of the receiver before the stream is deleted; absent: never.', example: 86_400 })
  inactivity_timeout?: number;
  @ApiPropertyOptional() description?: string;
}

/** A stream's configuration as SSF 1.0 §8.1.1 names it; the push authorization is never sent back. */
export function toStreamConfigurationView(config: StreamConfiguration): StreamConfigurationView {
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

export class StreamStatusView {
  @ApiProperty({ format: 'uuid' }) stream_id!: string;
  @ApiProperty({ enum: STREAM_STATUSES }) status!: StreamStatus;
  @ApiPropertyOptional({ description: 'As the receiver gave it when it set the status.' }) reason?: string;
}

/** SSF 1.0 §8.1.2.1. */
export function toStreamStatusView(stream: StreamRecord): StreamStatusView {
  return { stream_id: stream.id, status: stream.status, ...(stream.statusReason === null ? {} : { reason: stream.statusReason }) };
}

export class PollView {
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'jti → the signed SET (a JWT of type `secevent+jwt`); empty when none waits.',
    example: { '5d0c9a7e-1b2f-4c3d-8e4f-6a7b8c9d0e1f': 'eyJhbGciOiJFUzI1NiIsInR5cCI6InNlY2V2ZW50K2p3dCJ9…' },
  })
  sets!: Record<string, string>;

  @ApiProperty({ description: 'More SETs wait: poll again at once.' }) moreAvailable!: boolean;
}

/** RFC 8936 §2.5: the SETs by jti, and whether more wait. */
export function toPollView(answer: PollAnswer): PollView {
  return { sets: answer.sets, moreAvailable: answer.moreAvailable };
}
