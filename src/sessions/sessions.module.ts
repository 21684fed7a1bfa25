import { Module } from '@nestjs/common';
import { TokensModule } from '../tokens/tokens.module.js';
import { UsersModule } from '../users/users.module.js';
import { PurgeRepository } from './purge.repository.js';
import { PurgeService } from './purge.service.js';
import { SessionCheckCache } from './session-check-cache.js';
import { SessionsAdminService } from './sessions-admin.service.js';
import { SessionsRepository } from './sessions.repository.js';
import { SessionsService } from './sessions.service.js';

@Module({
  imports: [UsersModule, TokensModule],
  providers: [SessionsRepository, SessionCheckCache, SessionsService, SessionsAdminService, PurgeRepository, PurgeService],
  exports: [SessionsService, SessionsAdminService, PurgeService],
})
export class SessionsModule {}
