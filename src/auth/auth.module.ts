import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { CsrfCheck } from '../common/csrf-check.js';
import { RoutePolicies } from '../common/route-policy.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { SignInModule } from '../sign-in/sign-in.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { UsersModule } from '../users/users.module.js';
import { AccessTokenGuard } from './access-token.guard.js';
import { AccessTokenStrategy } from './access-token.strategy.js';
import { AuthController } from './auth.controller.js';
import { BearerCredentials } from './bearer-credentials.js';
import { AuthCookies } from './cookies.js';
import { RateLimits } from './rate-limits.js';
import { RouteGuard } from './route.guard.js';
import { SessionsController } from './sessions.controller.js';
import { WellKnownController } from './well-known.controller.js';

/** The HTTP layer of authentication: controllers, cookies, the route guard and what it runs. */
@Module({
  imports: [PassportModule, UsersModule, SessionsModule, SignInModule, TokensModule],
  controllers: [AuthController, SessionsController, WellKnownController],
  providers: [
    AuthCookies,
    AccessTokenStrategy,
    AccessTokenGuard,
    BearerCredentials,
    CsrfCheck,
    RateLimits,
    RoutePolicies,
    { provide: APP_GUARD, useClass: RouteGuard },
  ],
  exports: [AuthCookies],
})
export class AuthModule {}
