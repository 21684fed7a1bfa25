import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../common/app-error.js';
import { Clock } from '../common/clock.js';
import { AppConfig } from '../config/app-config.js';

export interface CookieSpec {
  name: string;
  value: string;
  options: {
    httpOnly: true;
    secure: boolean;
    sameSite: 'lax' | 'strict';
    path: string;
    maxAge: number;
    expires?: Date;
    domain?: string;
  };
}

type CookieSettings = AppConfig['cookies'];

/**
 * The access cookie goes to every path (the SPA's API calls), Lax so that a
 * top-level navigation to this origin still carries it; the refresh cookie
 * only to /auth and Strict, so that it travels to nothing but refresh and
 * logout, and never on a cross-site request.
 */
export function accessCookie(settings: CookieSettings, token: string, maxAgeSeconds: number): CookieSpec {
  return {
    name: settings.accessName,
    value: token,
    options: { httpOnly: true, secure: settings.secure, sameSite: 'lax', path: '/', maxAge: maxAgeSeconds, domain: settings.domain },
  };
}

export function refreshCookie(settings: CookieSettings, token: string, maxAgeSeconds: number): CookieSpec {
  return {
    name: settings.refreshName,
    value: token,
    options: { httpOnly: true, secure: settings.secure, sameSite: 'strict', path: '/auth', maxAge: maxAgeSeconds, domain: settings.domain },
  };
}

/** The same names, paths and domain with an empty value and an expiry in the past. */
export function clearedCookies(settings: CookieSettings): CookieSpec[] {
  return [accessCookie(settings, '', 0), refreshCookie(settings, '', 0)].map(expired);
}

/**
 * A refresh cookie planted on a narrower path (a sibling subdomain can set
 * `Domain=<parent>; Path=/auth/refresh`, which browsers send first) is
 * cleared as well whenever the cookies are cleared.
 */
const PLANTED_REFRESH_PATH = '/auth/refresh';

function expired(spec: CookieSpec): CookieSpec {
  return { ...spec, options: { ...spec.options, expires: new Date(0) } };
}

/** Clears a refresh cookie on the narrower path, with our name and domain (a cookie with another Domain is out of our reach). */
export function clearedPlantedRefreshCookie(settings: CookieSettings): CookieSpec {
  const spec = refreshCookie(settings, '', 0);
  return expired({ ...spec, options: { ...spec.options, path: PLANTED_REFRESH_PATH } });
}

/** How many cookies named `name` a raw Cookie header carries (a parsed header keeps only one). */
export function countCookies(header: string | undefined, name: string): number {
  if (!header) return 0;
  return header.split(';').filter((pair) => pair.trim().split('=', 1)[0] === name).length;
}

function withoutUndefined(options: CookieSpec['options']) {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}

/** The one place that writes and reads the auth cookies. */
@Injectable()
export class AuthCookies {
  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  setTokens(
    reply: FastifyReply,
    tokens: { accessToken: { token: string; expiresAt: Date }; refreshToken: string; session: { absoluteExpiresAt: Date } },
  ): void {
    const now = this.clock.now().getTime();
    const secondsUntil = (date: Date) => Math.max(0, Math.ceil((date.getTime() - now) / 1000));
    this.write(reply, accessCookie(this.config.cookies, tokens.accessToken.token, secondsUntil(tokens.accessToken.expiresAt)));
    this.write(reply, refreshCookie(this.config.cookies, tokens.refreshToken, secondsUntil(tokens.session.absoluteExpiresAt)));
    reply.header('cache-control', 'no-store');
  }

  clear(reply: FastifyReply): void {
    for (const spec of clearedCookies(this.config.cookies)) this.write(reply, spec);
    this.write(reply, clearedPlantedRefreshCookie(this.config.cookies));
  }

  /**
   * The refresh token, when exactly one was sent. Two refresh cookies mean
   * one was planted (see PLANTED_REFRESH_PATH): using either could log the
   * victim into an attacker's session or break refresh for good, so neither is.
   */
  readRefresh(request: FastifyRequest): string | undefined {
    if (countCookies(request.headers.cookie, this.config.cookies.refreshName) > 1) throw new AppError('ambiguous_refresh_cookie');
    return request.cookies?.[this.config.cookies.refreshName];
  }

  private write(reply: FastifyReply, spec: CookieSpec): void {
    reply.setCookie(spec.name, spec.value, withoutUndefined(spec.options));
  }
}
