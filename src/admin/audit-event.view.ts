import type { AuditEventRecord } from '../audit/audit.reader.js';

export function toAuditEventView(event: AuditEventRecord) {
  return { ...event, occurredAt: event.occurredAt.toISOString() };
}
