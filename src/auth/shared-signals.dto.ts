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
import { MAX_POLL_EVENTS } from '../shared-signals/delivery-rules.js';
import { STREAM_STATUSES, type StreamStatus } from '../shared-signals/stream-configuration.js';

/** The request bodies and queries of the SSF routes (SSF 1.0 §8, RFC 8936), with bounds on every field. */

export class DeliveryBody {
  @IsString()
  @MaxLength(64)
  method!: string;

  @IsOptional()
  @IsString()
  @MaxLength(2048)
  endpoint_url?: string;

  /** An HTTP header value: visible ASCII and spaces only, so it cannot smuggle a second header. */
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  @Matches(/^[\x20-\x7e]+$/, { message: 'must be an HTTP header value (visible ASCII)' })
  authorization_header?: string;
}

export class CreateStreamBody {
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => DeliveryBody)
  delivery?: DeliveryBody;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(32)
  @IsString({ each: true })
  @MaxLength(256, { each: true })
  events_requested?: string[];

  @IsOptional()
  @IsString()
  @MaxLength(256)
  description?: string;
}

/** PATCH and PUT: the stream, the receiver's properties, and the transmitter's as read (checked against ours). */
export class UpdateStreamBody extends CreateStreamBody {
  @IsString()
  @MaxLength(64)
  stream_id!: string;

  @Allow()
  iss?: unknown;

  @Allow()
  aud?: unknown;

  @Allow()
  events_supported?: unknown;

  @Allow()
  events_delivered?: unknown;

  @Allow()
  min_verification_interval?: unknown;

  @Allow()
  inactivity_timeout?: unknown;
}

export class StreamIdQuery {
  @IsOptional()
  @IsString()
  @MaxLength(64)
  stream_id?: string;
}

export class RequiredStreamIdQuery {
  @IsString()
  @MaxLength(64)
  stream_id!: string;
}

export class StreamStatusBody extends RequiredStreamIdQuery {
  @IsIn(STREAM_STATUSES)
  status!: StreamStatus;

  @IsOptional()
  @IsString()
  @MaxLength(256)
  reason?: string;
}

export class VerificationBody extends RequiredStreamIdQuery {
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
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_POLL_EVENTS)
  maxEvents?: number;

  @IsOptional()
  @IsBoolean()
  returnImmediately?: boolean;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_POLL_EVENTS)
  @IsString({ each: true })
  @MaxLength(128, { each: true })
  ack?: string[];

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
