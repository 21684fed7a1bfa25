import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { AuditModule } from '../audit/audit.module.js';
import { AccessTokensService } from './access-tokens.service.js';
import { KeySchedule } from './key-schedule.service.js';
import { SigningKeysRepository } from './signing-keys.repository.js';
import { SigningKeysService } from './signing-keys.service.js';

/** Access-token signing and verification keys, and their lifecycle; no HTTP (the JWKS route lives in auth/). */
@Module({
  imports: [JwtModule.register({}), AuditModule],
  providers: [SigningKeysRepository, SigningKeysService, KeySchedule, AccessTokensService],
  exports: [AccessTokensService, SigningKeysService, KeySchedule],
})
export class TokensModule {}
