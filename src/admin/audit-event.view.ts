import { ApiProperty } from '@nestjs/swagger';
import { AUDIT_EVENT_TYPES } from '../audit/audit-entry.js';
import type { AuditEventRecord } from '../audit/audit.reader.js';

export class AuditEventView {
  @ApiProperty({ description: 'Increasing; also the paging cursor.', example: '1042' }) id!: string;
  @ApiProperty({ format: 'date-time' }) occurredAt!: string;
  @ApiProperty({ enum: AUDIT_EVENT_TYPES }) type!: string;
  @ApiProperty({ type: String, nullable: true, description: 'A user id, an operator name (origin cli), `system` or `anonymous`.' }) actor!: string | null;
  @ApiProperty({ enum: ['http', 'cli'] }) origin!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) userId!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) sessionId!: string | null;
  @ApiProperty({ type: String, nullable: true }) ip!: string | null;
  @ApiProperty({ type: String, nullable: true }) userAgent!: string | null;
  @ApiProperty({ type: Object, nullable: true, description: 'What is particular to the type (a reason, a key id, counts).' }) data!: unknown;
}

export class AuditPageView {
  @ApiProperty({ type: [AuditEventView] }) events!: AuditEventView[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export function toAuditEventView(event: AuditEventRecord): AuditEventView {
  return { ...event, occurredAt: event.occurredAt.toISOString() };
}
