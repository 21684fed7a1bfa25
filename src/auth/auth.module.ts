import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { AccountModule } from '../account/account.module.js';
import { CsrfCheck } from '../common/csrf-check.js';
import { RoutePolicies } from '../common/route-policy.js';
import { ServiceClientsModule } from '../service-clients/service-clients.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { SharedSignalsModule } from '../shared-signals/shared-signals.module.js';
import { SignInModule } from '../sign-in/sign-in.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { AccountController } from './account.controller.js';
import { AccessTokenGuard } from './access-token.guard.js';
import { AccessTokenStrategy } from './access-token.strategy.js';
import { AuthController } from './auth.controller.js';
import { BearerCredentials } from './bearer-credentials.js';
import { AuthCookies } from './cookies.js';
import { IntrospectionController } from './introspection.controller.js';
import { RateLimitStore } from './rate-limit-store.js';
import { RateLimits } from './rate-limits.js';
import { RouteGuard } from './route.guard.js';
import { ServiceClientCheck } from './service-client-check.js';
import { SessionsController } from './sessions.controller.js';
import { SharedSignalsController } from './shared-signals.controller.js';
import { WellKnownController } from './well-known.controller.js';

/** The HTTP layer of authentication and of the routes other services call: controllers, cookies, the route guard and what it runs. */
@Module({
  imports: [PassportModule, AccountModule, SessionsModule, SignInModule, TokensModule, ServiceClientsModule, SharedSignalsModule],
  controllers: [AuthController, AccountController, SessionsController, WellKnownController, IntrospectionController, SharedSignalsController],
  providers: [
    AuthCookies,
    AccessTokenStrategy,
    AccessTokenGuard,
    BearerCredentials,
    CsrfCheck,
    RateLimitStore,
    RateLimits,
    RoutePolicies,
    ServiceClientCheck,
    { provide: APP_GUARD, useClass: RouteGuard },
  ],
  exports: [AuthCookies],
})
export class AuthModule {}
