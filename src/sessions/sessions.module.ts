import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { SecurityEventOutboxModule } from '../shared-signals/security-event-outbox.module.js';
import { ActiveSessionsGauge } from './active-sessions-gauge.js';
import { RefreshTokensRepository } from './refresh-tokens.repository.js';
import { RevocationFeedService } from './revocation-feed.service.js';
import { RevokedSessionsRepository } from './revoked-sessions.repository.js';
import { SessionCheckCache } from './session-check-cache.js';
import { SessionCheck } from './session-check.service.js';
import { SessionRevocationsRepository } from './session-revocations.repository.js';
import { SessionRevoker } from './session-revoker.js';
import { SessionsAdminService } from './sessions-admin.service.js';
import { SessionsRepository } from './sessions.repository.js';
import { SessionsService } from './sessions.service.js';

/** Refresh families; imports neither users nor tokens (sign-in composes them). */
@Module({
  imports: [AuditModule, SecurityEventOutboxModule],
  providers: [
    SessionsRepository,
    SessionRevocationsRepository,
    RefreshTokensRepository,
    RevokedSessionsRepository,
    SessionCheckCache,
    SessionRevoker,
    SessionsService,
    SessionCheck,
    RevocationFeedService,
    SessionsAdminService,
    ActiveSessionsGauge,
  ],
  exports: [SessionsService, SessionCheck, SessionRevoker, RevocationFeedService, SessionsAdminService, SessionsRepository, RevokedSessionsRepository],
})
export class SessionsModule {}
