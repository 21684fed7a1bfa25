import { Module } from '@nestjs/common';
import { AuditReader } from './audit.reader.js';
import { AuditWriter } from './audit.writer.js';

/** The audit trail: one writer (inside the caller's transaction), one reader. */
@Module({
  providers: [AuditWriter, AuditReader],
  exports: [AuditWriter, AuditReader],
})
export class AuditModule {}
