import { createParamDecorator, type ExecutionContext, Injectable, Logger } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../common/app-error.js';
import type { ServiceScope } from '../config/service-credentials.js';
import { type ServiceClient, ServiceClients } from '../service-clients/service-clients.js';
import { parseClientIp } from './principal.js';

const BASIC = /^Basic[ \t]+([A-Za-z0-9+/]+={0,2})[ \t]*$/i;
/** Longer than any id and secret SERVICE_CREDENTIALS accepts; nothing longer is decoded. */
const MAX_CREDENTIALS_LENGTH = 1024;

/** The id and secret of an `Authorization: Basic` header (RFC 7617), or null. */
export function readBasicCredentials(authorization: string | undefined): { clientId: string; secret: string } | null {
  if (!authorization || authorization.length > MAX_CREDENTIALS_LENGTH) return null;
  const encoded = BASIC.exec(authorization)?.[1];
  if (!encoded) return null;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  return { clientId: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

/** A client id fit for a log line: the ids SERVICE_CREDENTIALS accepts, nothing else (it may be a pasted secret). */
const LOGGABLE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Authenticates another backend service on a route that names a scope:
 * 401 `invalid_client` with a Basic challenge without a valid credential,
 * 403 `insufficient_scope` when the credential lacks the scope. Called by
 * the route guard; the client is left on the request for the rate limits.
 */
@Injectable()
export class ServiceClientCheck {
  private readonly logger = new Logger(ServiceClientCheck.name);

  constructor(private readonly clients: ServiceClients) {}

  authenticate(request: FastifyRequest & { serviceClient?: ServiceClient }, scope: ServiceScope): void {
    const credentials = readBasicCredentials(request.headers.authorization);
    const client = credentials ? this.clients.authenticate(credentials.clientId, credentials.secret) : null;
    if (!client) {
      const claimed = credentials && LOGGABLE_ID.test(credentials.clientId) ? credentials.clientId : null;
      this.logger.warn({ msg: 'service client refused', event: 'service_client_refused', clientId: claimed, ip: parseClientIp(request.ip) });
      throw new AppError('invalid_client');
    }
    if (!client.scopes.includes(scope)) {
      throw new AppError('insufficient_scope', { message: `This service credential does not hold the scope "${scope}".` });
    }
    request.serviceClient = client;
  }
}

/** The service client the route guard authenticated, on a route with `@ServiceClient(scope)`. */
export const CurrentServiceClient = createParamDecorator((_data: unknown, context: ExecutionContext): ServiceClient => {
  const client = context.switchToHttp().getRequest<FastifyRequest & { serviceClient?: ServiceClient }>().serviceClient;
  if (!client) throw new Error('CurrentServiceClient used on a route without @ServiceClient()');
  return client;
});
