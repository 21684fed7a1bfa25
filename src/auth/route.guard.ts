import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../common/app-error.js';
import { CsrfCheck } from '../common/csrf-check.js';
import { RoutePolicies } from '../common/route-policy.js';
import { AccessTokenGuard } from './access-token.guard.js';
import { BearerCredentials } from './bearer-credentials.js';
import type { Principal } from './principal.js';
import { RateLimits } from './rate-limits.js';
import { ServiceClientCheck } from './service-client-check.js';

const FORM = /^application\/x-www-form-urlencoded\s*(;|$)/i;

/**
 * The one global guard: reads the route's policy (common/route-policy.ts)
 * and applies it in this order: a machine's bearer credential, body type,
 * CSRF, service client, access token, rate limits, roles. The access token
 * comes before the limits so that a signed-in route counts against the
 * caller's own account (rate-limits.ts); public routes, login among them,
 * have none to check. Deny by default: a route with no policy needs a valid
 * access token, and a JSON body if any.
 */
@Injectable()
export class RouteGuard implements CanActivate {
  constructor(
    private readonly policies: RoutePolicies,
    private readonly csrf: CsrfCheck,
    private readonly serviceClients: ServiceClientCheck,
    private readonly rateLimits: RateLimits,
    private readonly accessToken: AccessTokenGuard,
    private readonly credentials: BearerCredentials,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const policy = this.policies.of(context);
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: Principal }>();
    if (policy.bearerCredential) this.credentials.verify(request, policy.bearerCredential);
    if (!policy.acceptsForm && FORM.test(request.headers['content-type'] ?? '')) throw new AppError('unsupported_media_type');
    this.csrf.verify(request, policy);
    if (policy.serviceScope) this.serviceClients.authenticate(request, policy.serviceScope);
    if (policy.accessToken !== 'none') await this.accessToken.authenticate(context, policy.accessToken === 'optional');
    if (policy.rateLimits.length > 0) await this.rateLimits.consume(request, policy.rateLimits);
    if (policy.roles.length > 0) {
      const roles = request.user?.roles ?? [];
      if (!policy.roles.every((role) => roles.includes(role))) {
        throw new AppError('insufficient_role', { message: `This needs the role: ${policy.roles.join(', ')}.` });
      }
    }
    return true;
  }
}
