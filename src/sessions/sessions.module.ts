import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { SecurityEventOutboxModule } from '../shared-signals/security-event-outbox.module.js';
import { RefreshTokensRepository } from './refresh-tokens.repository.js';
import { RevocationFeedRepository } from './revocation-feed.repository.js';
import { RevocationFeedService } from './revocation-feed.service.js';
import { SessionCheckCache } from './session-check-cache.js';
import { SessionCheck } from './session-check.service.js';
import { SessionRevoker } from './session-revoker.js';
import { SessionsAdminService } from './sessions-admin.service.js';
import { SessionsRepository } from './sessions.repository.js';
import { SessionsService } from './sessions.service.js';

/** Refresh families; imports neither users nor tokens (sign-in composes them). */
@Module({
  imports: [AuditModule, SecurityEventOutboxModule],
  providers: [
    SessionsRepository,
    RefreshTokensRepository,
    RevocationFeedRepository,
    SessionCheckCache,
    SessionRevoker,
    SessionsService,
    SessionCheck,
    RevocationFeedService,
    SessionsAdminService,
  ],
  exports: [SessionsService, SessionCheck, RevocationFeedService, SessionsAdminService, SessionsRepository],
})
export class SessionsModule {}
