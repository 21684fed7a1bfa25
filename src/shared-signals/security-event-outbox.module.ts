import { Module } from '@nestjs/common';
import { SecurityEventOutbox } from './security-event-outbox.js';

/** The outbox writer alone, for the rooms whose changes emit security events (sessions) without the rest of SSF. */
@Module({
  providers: [SecurityEventOutbox],
  exports: [SecurityEventOutbox],
})
export class SecurityEventOutboxModule {}
