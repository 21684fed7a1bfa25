import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { isIP } from 'node:net';
import type { ClientInfo } from '../common/client-info.js';
import type { SessionOwner } from '../sessions/family.js';

/**
 * Who is calling: the session of a valid access token and its user as the
 * database has them (set by the access-token guard; one query, or the
 * session-check cache for SESSION_CHECK_CACHE_MS).
 */
export interface Principal {
  userId: string;
  sessionId: string;
  roles: string[];
  user: SessionOwner;
  /** When the presented access token expires: the SPA schedules its refresh from it after a reload. */
  accessTokenExpiresAt: Date;
}

export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const request = context.switchToHttp().getRequest<FastifyRequest & { user?: Principal }>();
  if (!request.user) throw new Error('CurrentPrincipal used on a route without the access-token guard');
  return request.user;
});

export const OptionalPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal | undefined =>
    context.switchToHttp().getRequest<FastifyRequest & { user?: Principal }>().user,
);

const MAX_USER_AGENT = 512;
const IPV4_MAPPED = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/;

/**
 * The caller's address in one spelling, or null when it is not an IP at all
 * (behind trusted proxies it comes from X-Forwarded-For, which can hold any
 * text). An IPv4 client seen on a dual-stack socket (`::ffff:1.2.3.4`) is
 * written as IPv4, so that sessions, the audit trail and rate limits see one
 * client as one address; IPv6 is written as RFC 5952 says, without a zone.
 */
export function parseClientIp(raw: string | undefined): string | null {
  if (!raw) return null;
  const family = isIP(raw);
  if (family === 4) return raw;
  if (family !== 6) return null;
  const canonical = new URL(`http://[${raw.split('%')[0]}]`).hostname.slice(1, -1);
  const mapped = IPV4_MAPPED.exec(canonical);
  if (!mapped) return canonical;
  const [high, low] = [parseInt(mapped[1]!, 16), parseInt(mapped[2]!, 16)];
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

export const Client = createParamDecorator((_data: unknown, context: ExecutionContext): ClientInfo => {
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  const userAgent = request.headers['user-agent'];
  return { ip: parseClientIp(request.ip), userAgent: userAgent ? userAgent.slice(0, MAX_USER_AGENT) : null, origin: 'http' };
});
