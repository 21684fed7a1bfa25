import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AppConfig } from '../config/app-config.js';
import { AppError } from './app-error.js';
import { IS_PUBLIC, USES_REFRESH_COOKIE } from './public.decorator.js';

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
export class CsrfGuard implements CanActivate {
  private readonly allowed: Set<string>;

  constructor(
    private readonly reflector: Reflector,
    private readonly config: AppConfig,
  ) {
    this.allowed = new Set(config.http.allowedOrigins);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (SAFE_METHODS.has(request.method)) return true;

    const targets = [context.getHandler(), context.getClass()];
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets) ?? false;
    const usesRefreshCookie = this.reflector.getAllAndOverride<boolean>(USES_REFRESH_COOKIE, targets) ?? false;
    // A Bearer header vouches for itself, not for a refresh cookie sent alongside it.
    const carriesRefreshCookie = usesRefreshCookie && Boolean(request.cookies?.[this.config.cookies.refreshName]);
    if (hasBearer(request.headers) && !carriesRefreshCookie) return true;
    const origin = requestOrigin(request.headers);

    if (isPublic && !usesRefreshCookie) {
      if (origin !== undefined && !this.allowed.has(origin)) throw rejected('the Origin is not allowed');
      return true;
    }
    if (origin === undefined || !this.allowed.has(origin)) throw rejected('the Origin is missing or not allowed');
    if (!request.headers[this.config.http.csrfHeader]) {
      throw rejected(`the ${this.config.http.csrfHeader} header is missing`);
    }
    return true;
  }
}

function rejected(why: string): AppError {
  return AppError.forbidden('csrf_rejected', `Cross-site request refused: ${why}.`);
}
