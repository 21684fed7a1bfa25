import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { AccessTokensService } from './access-tokens.service.js';
import { JwksController } from './jwks.controller.js';
import { SigningKeysRepository } from './signing-keys.repository.js';
import { SigningKeysService } from './signing-keys.service.js';

@Module({
  imports: [JwtModule.register({})],
  controllers: [JwksController],
  providers: [SigningKeysRepository, SigningKeysService, AccessTokensService],
  exports: [AccessTokensService, SigningKeysService],
})
export class TokensModule {}
