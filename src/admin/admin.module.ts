import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { SharedSignalsModule } from '../shared-signals/shared-signals.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { UsersModule } from '../users/users.module.js';
import { AdminController } from './admin.controller.js';
import { SharedSignalsAdminController } from './shared-signals-admin.controller.js';

@Module({
  imports: [SessionsModule, TokensModule, AuditModule, UsersModule, SharedSignalsModule],
  controllers: [AdminController, SharedSignalsAdminController],
})
export class AdminModule {}
