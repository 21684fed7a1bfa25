import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { CsrfGuard } from '../common/csrf.guard.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { UsersModule } from '../users/users.module.js';
import { AccessTokenGuard } from './access-token.guard.js';
import { AccessTokenStrategy } from './access-token.strategy.js';
import { AuthController } from './auth.controller.js';
import { AuthCookies } from './cookies.js';
import { RateLimitGuard } from './rate-limit.guard.js';
import { RolesGuard } from './roles.guard.js';
import { RevocationsController } from './revocations.controller.js';
import { SessionsController } from './sessions.controller.js';

@Module({
  imports: [PassportModule, UsersModule, SessionsModule, TokensModule],
  controllers: [AuthController, SessionsController, RevocationsController],
  providers: [
    AuthCookies,
    AccessTokenStrategy,
    // Global guards run in this order: CSRF, rate limits, access token, roles.
    { provide: APP_GUARD, useClass: CsrfGuard },
    { provide: APP_GUARD, useClass: RateLimitGuard },
    { provide: APP_GUARD, useClass: AccessTokenGuard },
    { provide: APP_GUARD, useClass: RolesGuard },
  ],
  exports: [AuthCookies],
})
export class AuthModule {}
