import type { OpenAPIObject } from '@nestjs/swagger';
import type { ErrorCode } from '../common/error-catalog.js';
import type { RoutePolicy } from '../common/route-policy.js';

export type OperationObject = NonNullable<OpenAPIObject['paths'][string]['get']>;
type SecurityRequirement = Record<string, string[]>;

const UNSAFE = new Set(['post', 'put', 'patch', 'delete']);
const ACCESS: SecurityRequirement[] = [{ accessCookie: [] }, { bearer: [] }];

/**
 * What a route policy (common/route-policy.ts) means to a client, written
 * into the operation: who may call (security), the CSRF header, and the
 * errors the policy can answer with. Returns those error codes.
 */
export function describePolicy(operation: OperationObject, method: string, policy: RoutePolicy, csrfHeader: string): ErrorCode[] {
  const errors: ErrorCode[] = ['internal_error', 'service_unavailable'];
  if ((operation.parameters?.length ?? 0) > 0 || operation.requestBody) errors.push('invalid_request');
  if (operation.requestBody) errors.push('payload_too_large', 'unsupported_media_type');

  if (policy.acceptsForm && operation.requestBody && 'content' in operation.requestBody) {
    const json = operation.requestBody.content['application/json'];
    if (json) operation.requestBody.content['application/x-www-form-urlencoded'] = json;
  }

  if (policy.serviceScope) {
    operation.security = [{ serviceClient: [] }];
    operation.description = [operation.description, `A service credential holding the \`${policy.serviceScope}\` scope.`].filter(Boolean).join('\n\n');
    errors.push('invalid_client', 'insufficient_scope');
  } else if (policy.bearerCredential) {
    operation.security = [{ metricsToken: [] }];
    errors.push('authentication_required', 'invalid_token', 'not_found');
  } else if (policy.accessToken === 'required') {
    operation.security = policy.usesRefreshCookie ? [...ACCESS, { refreshCookie: [] }] : ACCESS;
    errors.push('authentication_required', 'invalid_token', 'token_expired', 'session_revoked', 'session_expired');
  } else if (policy.accessToken === 'optional') {
    operation.security = [...ACCESS, ...(policy.usesRefreshCookie ? [{ refreshCookie: [] }] : []), {}];
  } else {
    operation.security = policy.usesRefreshCookie ? [{ refreshCookie: [] }] : [];
  }

  const cookieAuthenticated = policy.accessToken !== 'none' || policy.usesRefreshCookie;
  if (UNSAFE.has(method) && cookieAuthenticated) {
    operation.parameters = [
      ...(operation.parameters ?? []),
      {
        in: 'header',
        name: csrfHeader,
        required: false,
        description: 'Required with cookie authentication (any value, e.g. `fetch`), together with an allowed `Origin`; not needed with a Bearer token.',
        schema: { type: 'string', example: 'fetch' },
      },
    ];
    errors.push('csrf_rejected');
  }
  if (policy.roles.length > 0) errors.push('insufficient_role');
  if (policy.rateLimits.length > 0) errors.push('rate_limited');
  return errors;
}
