import { applyDecorators, type ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { ServiceScope } from '../config/service-credentials.js';

/**
 * What a route requires, said with decorators in one place and read by the
 * one global route guard. Deny by default: without a decorator a route needs
 * a valid access token of a live session, and nothing else.
 */
export type RateLimitBucket =
  | 'login-ip'
  | 'login-account-ip'
  | 'login-account'
  | 'register-ip'
  | 'refresh-ip'
  | 'service-client'
  | 'recovery-ip'
  | 'mail-account';

/** A credential from configuration that a machine presents as `Authorization: Bearer …` (not a user's token). */
export type BearerCredentialName = 'metrics';

export interface RoutePolicy {
  /** `required` (the default), `optional` (read a valid token if there is one) or `none` (public). */
  accessToken: 'required' | 'optional' | 'none';
  /** The route acts on the refresh cookie, so the CSRF rule treats it as cookie-authenticated. */
  usesRefreshCookie: boolean;
  /** The caller needs every one of these roles. */
  roles: readonly string[];
  rateLimits: readonly RateLimitBucket[];
  /** The caller is another backend service, authenticated with HTTP Basic, whose credential holds this scope. */
  serviceScope: ServiceScope | null;
  /** The route also takes `application/x-www-form-urlencoded` bodies (OAuth endpoints); every other route refuses them. */
  acceptsForm: boolean;
  /** The caller must present this configured credential; the route is off (404) while it is not configured. */
  bearerCredential: BearerCredentialName | undefined;
}

const ACCESS_TOKEN = 'route:accessToken';
const REFRESH_COOKIE = 'route:usesRefreshCookie';
const ROLES = 'route:roles';
const RATE_LIMITS = 'route:rateLimits';
const SERVICE_SCOPE = 'route:serviceScope';
const ACCEPTS_FORM = 'route:acceptsForm';
const BEARER_CREDENTIAL = 'route:bearerCredential';

/** Opts a route out of the access-token requirement. */
export const Public = () => SetMetadata(ACCESS_TOKEN, 'none');

/** The route works without an access token too (logout); a valid one is still read. */
export const OptionalAccessToken = () => SetMetadata(ACCESS_TOKEN, 'optional');

/** Marks a route that acts on the refresh cookie (refresh, logout). */
export const UsesRefreshCookie = () => SetMetadata(REFRESH_COOKIE, true);

/** The caller needs every one of these roles (on a handler or a whole controller). */
export const Roles = (...roles: string[]) => SetMetadata(ROLES, roles);

/** For other backend services: a service credential with `scope` instead of an access token. */
export const ServiceClient = (scope: ServiceScope) => applyDecorators(SetMetadata(ACCESS_TOKEN, 'none'), SetMetadata(SERVICE_SCOPE, scope));

/** Takes a form-encoded body, as OAuth endpoints must (RFC 7662). */
export const AcceptsForm = () => SetMetadata(ACCEPTS_FORM, true);

/** Counts the request against each named bucket; the limits come from configuration. */
export const RateLimit = (...buckets: RateLimitBucket[]) => SetMetadata(RATE_LIMITS, buckets);

/** For machines, not users: no access token, but the named credential from configuration (e.g. Prometheus scraping /metrics). */
export const BearerCredential = (name: BearerCredentialName) =>
  applyDecorators(SetMetadata(ACCESS_TOKEN, 'none'), SetMetadata(BEARER_CREDENTIAL, name));

/** A handler's policy from its decorators and its controller's: what the route guard enforces and the OpenAPI document describes. */
export function readRoutePolicy(reflector: Reflector, handler: Function, controller: Function): RoutePolicy {
  const targets = [handler, controller];
  return {
    accessToken: reflector.getAllAndOverride<RoutePolicy['accessToken']>(ACCESS_TOKEN, targets) ?? 'required',
    usesRefreshCookie: reflector.getAllAndOverride<boolean>(REFRESH_COOKIE, targets) ?? false,
    roles: reflector.getAllAndOverride<string[]>(ROLES, targets) ?? [],
    rateLimits: reflector.getAllAndOverride<RateLimitBucket[]>(RATE_LIMITS, targets) ?? [],
    serviceScope: reflector.getAllAndOverride<ServiceScope>(SERVICE_SCOPE, targets) ?? null,
    acceptsForm: reflector.getAllAndOverride<boolean>(ACCEPTS_FORM, targets) ?? false,
    bearerCredential: reflector.getAllAndOverride<BearerCredentialName>(BEARER_CREDENTIAL, targets),
  };
}

/** Route metadata never changes after startup, so each handler's policy is read once. */
@Injectable()
export class RoutePolicies {
  private readonly byHandler = new WeakMap<object, RoutePolicy>();

  constructor(private readonly reflector: Reflector) {}

  of(context: ExecutionContext): RoutePolicy {
    const handler = context.getHandler();
    let policy = this.byHandler.get(handler);
    if (!policy) {
      policy = readRoutePolicy(this.reflector, handler, context.getClass());
      this.byHandler.set(handler, policy);
    }
    return policy;
  }
}
