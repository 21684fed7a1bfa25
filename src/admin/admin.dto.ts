import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import { canonicalUuid } from '../common/uuid.js';

/** Query strings arrive as text; only canonical decimal integers become numbers, anything else fails validation. */
const toInteger = ({ value }: { value: unknown }) => (typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value);

/** UUIDs in any case become the canonical lower-case form the service compares; anything else fails validation. */
const toUuid = ({ value }: { value: unknown }) => canonicalUuid(value) ?? value;

export class ListSessionsQuery {
  @IsOptional()
  @Transform(toUuid)
  @IsUUID('all', { message: 'must be a UUID' })
  userId?: string;

  @IsOptional()
  @IsIn(['active', 'ended', 'all'])
  status?: 'active' | 'ended' | 'all';

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  /** Opaque: the `nextCursor` of the previous page. */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

export class AuditQuery {
  @IsOptional()
  @Transform(toUuid)
  @IsUUID('all', { message: 'must be a UUID' })
  userId?: string;

  @IsOptional()
  @Transform(toUuid)
  @IsUUID('all', { message: 'must be a UUID' })
  sessionId?: string;

  @IsOptional()
  @Matches(/^[a-z_]{1,64}$/, { message: 'must be an event type such as refresh_token_reuse_detected' })
  type?: string;

  @IsOptional()
  @Matches(/^\d{1,18}$/, { message: 'must be the nextCursor of a previous page' })
  cursor?: string;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

export class RotateKeysBody {
  @IsOptional()
  @IsBoolean()
  force?: boolean;
}
