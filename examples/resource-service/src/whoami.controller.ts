import { Controller, Get, Inject, UseGuards } from '@nestjs/common';
import { AccessTokenGuard, CurrentUser, VERIFIER } from '@auth-service/verify/nest';
import type { AccessTokenClaims, Verifier } from '@auth-service/verify/verify';

/** A resource service's routes: one behind the auth service's access tokens, one open for the load balancer. */
@Controller()
export class WhoamiController {
  constructor(@Inject(VERIFIER) private readonly verifier: Verifier) {}

  @Get('whoami')
  @UseGuards(AccessTokenGuard)
  whoami(@CurrentUser() user: AccessTokenClaims) {
    return { userId: user.sub, sessionId: user.sid, roles: user.roles, expiresAt: new Date(user.exp * 1000).toISOString() };
  }

  @Get('health')
  health() {
    return this.verifier.health();
  }
}
