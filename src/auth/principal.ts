import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
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

export const Client = createParamDecorator((_data: unknown, context: ExecutionContext): ClientInfo => {
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  const userAgent = request.headers['user-agent'];
  return { ip: request.ip ?? null, userAgent: userAgent ? userAgent.slice(0, MAX_USER_AGENT) : null };
});
