import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  Allow,
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateNested,
} from 'class-validator';
import { DEFAULT_POLL_EVENTS, MAX_POLL_EVENTS } from '../shared-signals/delivery-rules.js';
import { DELIVERY_METHOD, EVENT_TYPE } from '../shared-signals/security-events.js';
import { STREAM_STATUSES, type StreamStatus } from '../shared-signals/stream-configuration.js';

/** The request bodies and queries of the SSF routes (SSF 1.0 §8, RFC 8936), with bounds on every field. */

const STREAM_ID = { maxLength: 64, description: "The stream's `stream_id`.", example: '0b5f4a8e-3c1d-4f6a-9e2b-7d8c1a2b3c4d' };
const TRANSMITTER_SUPPLIED = "Supplied by the transmitter: may be sent back as read, and must then equal the stream's (else 400).";

export class DeliveryBody {
  @ApiProperty({ enum: Object.values(DELIVERY_METHOD), maxLength: 64, description: '`urn:ietf:rfc:8935`: push (RFC 8935); `urn:ietf:rfc:8936`: poll (RFC 8936).' })
  @IsString()
  @MaxLength(64)
  method!: string;

  @ApiPropertyOptional({
    format: 'uri',
    maxLength: 2048,
    description: "Push: the receiver's endpoint (required; public addresses only). Poll: supplied by the transmitter; leave it out or send it as read.",
    example: 'https://billing.example.com/ssf/events',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  endpoint_url?: string;

  /** An HTTP header value: visible ASCII and spaces only, so it cannot smuggle a second header. */
  @ApiPropertyOptional({
    maxLength: 1024,
    pattern: '^[\\x20-\\x7e]+$',
    description: 'Push only: the `Authorization` header sent with every push. Stored sealed, never shown back.',
    example: 'Bearer <a secret of the receiver>',
  })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  @Matches(/^[\x20-\x7e]+$/, { message: 'must be an HTTP header value (visible ASCII)' })
  authorization_header?: string;
}

export class CreateStreamBody {
  @ApiPropertyOptional({ type: DeliveryBody, description: 'Absent: poll on creation and on replacement (PUT); unchanged on update (PATCH).' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => DeliveryBody)
  delivery?: DeliveryBody;

  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'string', maxLength: 256 },
    maxItems: 32,
    description:
      'Event type URIs; types not supported are kept but not delivered. Absent: every type in `events_supported` on creation, none on replacement (PUT), unchanged on update (PATCH).',
    example: [EVENT_TYPE.sessionRevoked, EVENT_TYPE.credentialChange],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(32)
  @IsString({ each: true })
  @MaxLength(256, { each: true })
  events_requested?: string[];

  @ApiPropertyOptional({ maxLength: 256, example: 'billing, instance 3', description: 'Absent: cleared on replacement (PUT), unchanged on update (PATCH).' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  description?: string;
}

/** PATCH and PUT: the stream, the receiver's properties, and the transmitter's as read (checked against ours). */
export class UpdateStreamBody extends CreateStreamBody {
  @ApiProperty(STREAM_ID)
  @IsString()
  @MaxLength(64)
  stream_id!: string;

  @ApiPropertyOptional({ type: String, format: 'uri', description: TRANSMITTER_SUPPLIED })
  @Allow()
  iss?: unknown;

  @ApiPropertyOptional({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 1 }],
    description: `The receiver's client id, alone or as a one-element array. ${TRANSMITTER_SUPPLIED}`,
  })
  @Allow()
  aud?: unknown;

  @ApiPropertyOptional({ type: [String], description: TRANSMITTER_SUPPLIED })
  @Allow()
  events_supported?: unknown;

  @ApiPropertyOptional({ type: [String], description: `As it was before this update. ${TRANSMITTER_SUPPLIED}` })
  @Allow()
  events_delivered?: unknown;

  @ApiPropertyOptional({ type: 'integer', description: TRANSMITTER_SUPPLIED })
  @Allow()
  min_verification_interval?: unknown;

  @ApiPropertyOptional({ type: 'integer', description: TRANSMITTER_SUPPLIED })
  @Allow()
  inactivity_timeout?: unknown;
}

export class StreamIdQuery {
  @ApiPropertyOptional({ ...STREAM_ID, description: "One stream; absent: all of the receiver's." })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  stream_id?: string;
}

export class RequiredStreamIdQuery {
  @ApiProperty(STREAM_ID)
  @IsString()
  @MaxLength(64)
  stream_id!: string;
}

export class StreamStatusBody extends RequiredStreamIdQuery {
  @ApiProperty({ enum: STREAM_STATUSES, description: '`enabled` delivers; `paused` holds events until enabled again; `disabled` drops them.' })
  @IsIn(STREAM_STATUSES)
  status!: StreamStatus;

  @ApiPropertyOptional({ maxLength: 256, example: 'maintenance' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  reason?: string;
}

export class VerificationBody extends RequiredStreamIdQuery {
  @ApiPropertyOptional({ maxLength: 256, description: 'Echoed in the verification event.' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  state?: string;
}

/** RFC 8936 §2.4 `setErrs`: jti → `{err, description}`. */
function isSetErrors(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const entries = Object.entries(value);
  return (
    entries.length <= MAX_POLL_EVENTS &&
    entries.every(([jti, error]) => {
      const { err, description, ...rest } = (error ?? {}) as Record<string, unknown>;
      return (
        jti.length <= 128 &&
        typeof err === 'string' && err.length > 0 && err.length <= 64 &&
        (description === undefined || (typeof description === 'string' && description.length <= 256)) &&
        Object.keys(rest).length === 0
      );
    })
  );
}

export class PollBody {
  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: MAX_POLL_EVENTS, default: DEFAULT_POLL_EVENTS, description: 'At most this many SETs; `0` only acknowledges.' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_POLL_EVENTS)
  maxEvents?: number;

  @ApiPropertyOptional({ default: false, description: 'Answer at once even when no event waits, instead of waiting for one (up to SSF_POLL_MAX_WAIT_SECONDS).' })
  @IsOptional()
  @IsBoolean()
  returnImmediately?: boolean;

  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'string', maxLength: 128 },
    maxItems: MAX_POLL_EVENTS,
    description: 'The jtis of SETs received and processed: they are not handed out again.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_POLL_EVENTS)
  @IsString({ each: true })
  @MaxLength(128, { each: true })
  ack?: string[];

  @ApiPropertyOptional({
    type: 'object',
    maxProperties: MAX_POLL_EVENTS,
    additionalProperties: {
      type: 'object',
      required: ['err'],
      properties: { err: { type: 'string', minLength: 1, maxLength: 64 }, description: { type: 'string', maxLength: 256 } },
      additionalProperties: false,
    },
    description: 'The jtis of SETs the receiver could not process, each with an RFC 8935 error code: they are not handed out again.',
    example: { '5d0c9a7e-1b2f-4c3d-8e4f-6a7b8c9d0e1f': { err: 'invalid_key', description: 'unknown kid' } },
  })
  @IsOptional()
  @ValidateBy({
    name: 'setErrors',
    validator: {
      validate: isSetErrors,
      defaultMessage: () => `must map at most ${MAX_POLL_EVENTS} jtis to {"err": "<code>", "description": "<text>"}`,
    },
  })
  setErrs?: Record<string, { err: string; description?: string }>;
}
