import { Module } from '@nestjs/common';
import { SessionsModule } from '../sessions/sessions.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { IntrospectionService } from './introspection.service.js';
import { ServiceClients } from './service-clients.js';

/** What other backend services may ask of us, and who they are (SERVICE_CREDENTIALS); no HTTP. */
@Module({
  imports: [SessionsModule, TokensModule],
  providers: [ServiceClients, IntrospectionService],
  exports: [ServiceClients, IntrospectionService],
})
export class ServiceClientsModule {}
