import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsISO8601, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { AUDIT_EVENT_TYPES } from '../audit/audit-entry.js';
import { canonicalUuid } from '../common/uuid.js';

/** Query strings arrive as text; only canonical decimal integers become numbers, anything else fails validation. */
const toInteger = ({ value }: { value: unknown }) => (typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value);

/** UUIDs in any case become the canonical lower-case form the service compares; anything else fails validation. */
const toUuid = ({ value }: { value: unknown }) => canonicalUuid(value) ?? value;

const CURSOR_DOC = 'The `nextCursor` of the previous page.';

/** A page size from the query string: a whole number from 1 to `maximum`. */
const PageLimit = (maximum: number, byDefault: number) =>
  applyDecorators(ApiPropertyOptional({ minimum: 1, maximum, default: byDefault }), IsOptional(), Transform(toInteger), IsInt(), Min(1), Max(maximum));

export class ListSessionsQuery {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @Transform(toUuid)
  @IsUUID('all', { message: 'must be a UUID' })
  userId?: string;

  @ApiPropertyOptional({ enum: ['active', 'ended', 'all'], default: 'active' })
  @IsOptional()
  @IsIn(['active', 'ended', 'all'])
  status?: 'active' | 'ended' | 'all';

  @PageLimit(200, 50)
  limit?: number;

  @ApiPropertyOptional({ description: CURSOR_DOC })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

export class UsersQuery {
  @ApiPropertyOptional({ description: 'Email prefix (case-insensitive); empty or absent lists everyone, by email.', example: 'ann@' })
  @IsOptional()
  @IsString()
  @MaxLength(254)
  email?: string;

  @PageLimit(200, 50)
  limit?: number;

  @ApiPropertyOptional({ description: CURSOR_DOC })
  @IsOptional()
  @IsString()
  @MaxLength(400)
  cursor?: string;
}

export class AuditQuery {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @Transform(toUuid)
  @IsUUID('all', { message: 'must be a UUID' })
  userId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @Transform(toUuid)
  @IsUUID('all', { message: 'must be a UUID' })
  sessionId?: string;

  @ApiPropertyOptional({ enum: AUDIT_EVENT_TYPES })
  @IsOptional()
  @Matches(/^[a-z_]{1,64}$/, { message: 'must be an event type such as refresh_token_reuse_detected' })
  type?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Events at or after this time.' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'must be an ISO 8601 time' })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Events before this time.' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'must be an ISO 8601 time' })
  to?: string;

  @ApiPropertyOptional({ description: CURSOR_DOC })
  @IsOptional()
  @Matches(/^\d{1,18}$/, { message: 'must be the nextCursor of a previous page' })
  cursor?: string;

  @PageLimit(500, 100)
  limit?: number;
}

export class RevokeBody {
  @ApiPropertyOptional({ description: 'Why: kept in the audit event.', maxLength: 500, example: 'laptop reported stolen' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  reason?: string;
}

export class RotateKeysBody {
  @ApiPropertyOptional({ description: 'Stage and promote at once (after a leak).', default: false })
  @IsOptional()
  @IsBoolean()
  force?: boolean;
}
