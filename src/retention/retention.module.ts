import { Module } from '@nestjs/common';
import { AccountModule } from '../account/account.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { SharedSignalsModule } from '../shared-signals/shared-signals.module.js';
import { UsersModule } from '../users/users.module.js';
import { PurgeService } from './retention.service.js';

/** Deletes what has outlived its retention period, in batches, on a timer and from the CLI. */
@Module({
  imports: [SessionsModule, UsersModule, AccountModule, AuditModule, SharedSignalsModule],
  providers: [PurgeService],
  exports: [PurgeService],
})
export class RetentionModule {}
