import type { INestApplication } from '@nestjs/common';
import { ModulesContainer, Reflector } from '@nestjs/core';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { createRequire } from 'node:module';
import { ERROR_CATALOG, type ErrorCode } from '../common/error-catalog.js';
import { readRoutePolicy } from '../common/route-policy.js';
import type { AppConfig } from '../config/app-config.js';
import { readApiErrors } from './api-errors.js';
import { describePolicy, type OperationObject } from './route-policy.openapi.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

const ERROR_BODY = {
  type: 'object',
  required: ['error', 'message'],
  description: 'Every error answer. `error` is a code of the error catalog (src/common/error-catalog.ts).',
  properties: {
    error: { type: 'string', enum: Object.keys(ERROR_CATALOG) },
    message: { type: 'string', description: 'For people; may change. Programs read `error`.' },
    details: {
      type: 'array',
      description: 'With `invalid_request`: which fields, and why.',
      items: { type: 'object', required: ['field', 'reason'], properties: { field: { type: 'string' }, reason: { type: 'string' } } },
    },
  },
};

type Handler = { handler: Function; controller: Function };

/** Every controller method by the operation id the scanner gives it (`<Controller>_<method>`). */
function handlersById(app: INestApplication): Map<string, Handler> {
  const byId = new Map<string, Handler>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (Function & { prototype: Record<string, unknown> }) | null;
      if (!controller) continue;
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = controller.prototype[name];
        if (name !== 'constructor' && typeof handler === 'function') byId.set(`${controller.name}_${name}`, { handler, controller });
      }
    }
  }
  return byId;
}

/** Lists a route's error codes under their statuses, each with the catalog's message as an example. */
function errorResponses(codes: Iterable<ErrorCode>): NonNullable<OperationObject['responses']> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) {
    const status = ERROR_CATALOG[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: NonNullable<OperationObject['responses']> = {};
  for (const status of [...byStatus.keys()].sort()) {
    const list = byStatus.get(status)!.sort();
    responses[String(status)] = {
      description: list.map((code) => `\`${code}\``).join(', '),
      ...(status === 429 || status === 503 ? { headers: { 'Retry-After': { description: 'Seconds to wait.', schema: { type: 'integer' } } } } : {}),
      content: {
        'application/json': {
          schema: { allOf: [{ $ref: '#/components/schemas/ErrorBody' }, { type: 'object', properties: { error: { type: 'string', enum: list } } }] },
          examples: Object.fromEntries(list.map((code) => [code, { value: { error: code, message: ERROR_CATALOG[code].message } }])),
        },
      },
    };
  }
  return responses;
}

/**
 * The whole HTTP surface as OpenAPI 3: what @nestjs/swagger reads from the
 * controllers and DTOs (routes, parameters, bodies, answers), plus, for each
 * route, what its route policy implies (security schemes, the CSRF header,
 * the authentication, role, CSRF and rate-limit errors) and the error codes
 * it names with @ApiErrors. The checked-in openapi.json is this document
 * (test/e2e/openapi.test.ts; `npm run openapi` rewrites it).
 */
export function buildOpenApiDocument(app: INestApplication, config: AppConfig): OpenAPIObject {
  const settings = new DocumentBuilder()
    .setTitle('auth-service')
    .setDescription(
      'Logs users in and keeps them logged in: short-lived ES256 access tokens, rotating refresh tokens in HttpOnly cookies, ' +
        'an ops surface. Cookie-authenticated writes need an allowed `Origin` and the CSRF header; Bearer requests do not. ' +
        'Errors are always `{"error": "<code>", "message": "..."}`.',
    )
    .setVersion(version)
    .addCookieAuth(config.cookies.accessName, { type: 'apiKey', in: 'cookie', description: 'The access token (HttpOnly cookie set by login and refresh).' }, 'accessCookie')
    .addCookieAuth(config.cookies.refreshName, { type: 'apiKey', in: 'cookie', description: 'The refresh token (HttpOnly cookie, Path=/auth).' }, 'refreshCookie')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'The access token, for other services.' }, 'bearer')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'opaque', description: 'METRICS_TOKEN, for Prometheus.' }, 'metricsToken')
    .addBasicAuth({ type: 'http', scheme: 'basic', description: 'A service credential of SERVICE_CREDENTIALS: its client id and secret.' }, 'serviceClient')
    .build();
  const document = SwaggerModule.createDocument(app, settings);
  document.components = { ...document.components, schemas: { ...document.components?.schemas, ErrorBody: ERROR_BODY } };

  const reflector = new Reflector();
  const handlers = handlersById(app);
  for (const pathItem of Object.values(document.paths)) {
    for (const [method, operation] of Object.entries(pathItem) as Array<[string, OperationObject]>) {
      const found = operation.operationId === undefined ? undefined : handlers.get(operation.operationId);
      if (!found) throw new Error(`no controller method for the OpenAPI operation ${operation.operationId}`);
      const policy = readRoutePolicy(reflector, found.handler, found.controller);
      const implied = describePolicy(operation, method, policy, config.http.csrfHeader);
      operation.responses = { ...operation.responses, ...errorResponses([...implied, ...readApiErrors(reflector, found.handler)]) };
    }
  }
  return document;
}
