import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AppConfig } from '../config/app-config.js';
import { AppError } from './app-error.js';
import type { RoutePolicy } from './route-policy.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function requestOrigin(headers: FastifyRequest['headers']): string | undefined {
  const origin = headers.origin;
  if (origin) return origin;
  const referer = headers.referer;
  if (!referer) return undefined;
  try {
    return new URL(referer).origin;
  } catch {
    return 'invalid';
  }
}

export function hasBearer(headers: FastifyRequest['headers']): boolean {
  return /^Bearer\s/i.test(headers.authorization ?? '');
}

/**
 * DESIGN.md's CSRF rule. A cookie-authenticated state-changing request needs
 * an allowed Origin (or Referer) and the custom header, which a cross-site
 * form cannot send and a cross-site fetch cannot send without passing CORS.
 * Bearer requests are exempt (a browser never attaches that header by
 * itself), unless they also carry the refresh cookie to a route that uses it.
 * Public routes that take no cookie (login, register) carry no ambient
 * authority, so there only a foreign Origin, when sent, is refused (login CSRF);
 * non-browser clients that send no Origin are let through.
 */
@Injectable()
export class CsrfCheck {
  private readonly allowed: Set<string>;

  constructor(private readonly config: AppConfig) {
    this.allowed = new Set(config.http.allowedOrigins);
  }

  verify(request: FastifyRequest, policy: RoutePolicy): void {
    if (SAFE_METHODS.has(request.method)) return;

    // A Bearer header vouches for itself, not for a refresh cookie sent alongside it.
    const carriesRefreshCookie = policy.usesRefreshCookie && Boolean(request.cookies?.[this.config.cookies.refreshName]);
    if (hasBearer(request.headers) && !carriesRefreshCookie) return;
    const origin = requestOrigin(request.headers);

    if (policy.accessToken === 'none' && !policy.usesRefreshCookie) {
      if (origin !== undefined && !this.allowed.has(origin)) throw rejected('the Origin is not allowed');
      return;
    }
    if (origin === undefined || !this.allowed.has(origin)) throw rejected('the Origin is missing or not allowed');
    if (!request.headers[this.config.http.csrfHeader]) {
      throw rejected(`the ${this.config.http.csrfHeader} header is missing`);
    }
  }
}

function rejected(why: string): AppError {
  return new AppError('csrf_rejected', { message: `Cross-site request refused: ${why}.` });
}
