import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { EventWaiters } from './event-waiters.js';
import { PollDelivery } from './poll-delivery.service.js';
import { PushAddressPolicy } from './push-address-policy.js';
import { PushDelivery } from './push-delivery.service.js';
import { PushTransport } from './push-transport.js';
import { SecurityEventOutboxModule } from './security-event-outbox.module.js';
import { SecurityEventRetention } from './security-event-retention.js';
import { SecurityEventSigner } from './security-event-signer.js';
import { SecurityEventsRepository } from './security-events.repository.js';
import { SharedSignalsAdmin } from './shared-signals-admin.service.js';
import { StreamsRepository } from './streams.repository.js';
import { StreamsService } from './streams.service.js';

/** The OpenID Shared Signals transmitter (docs/shared-signals.md): streams, the outbox's delivery by poll and push, retention; no HTTP. */
@Module({
  imports: [SessionsModule, TokensModule, AuditModule, SecurityEventOutboxModule],
  providers: [
    StreamsRepository,
    SecurityEventsRepository,
    StreamsService,
    PushAddressPolicy,
    PushTransport,
    SecurityEventSigner,
    EventWaiters,
    PollDelivery,
    PushDelivery,
    SharedSignalsAdmin,
    SecurityEventRetention,
  ],
  exports: [StreamsService, PollDelivery, PushDelivery, SharedSignalsAdmin, SecurityEventRetention],
})
export class SharedSignalsModule {}
