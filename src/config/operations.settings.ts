import { z } from 'zod';
import { boolean, documented, integer, secret } from './setting-types.js';

/** The settings of the ops surface (audit volume, metrics, the docs UI, the admin console), in the schema's order. */
export const operationsSettings = {
  AUDIT_REFRESHES: documented(boolean.default(true), {
    doc: 'write a `session_refreshed` event for every rotation and a `refresh_replayed` event for every grace-window replay (one row per refresh: see docs/operations.md for the volume)',
  }),

  METRICS_TOKEN: documented(secret.optional(), {
    doc: '≥ 32 characters; `GET /metrics` answers only `Authorization: Bearer <this>` (compared in constant time). Unset: `/metrics` is off (404)',
    defaultDoc: 'unset (metrics off)',
    secret: true,
  }),
  METRICS_ACTIVE_SESSIONS_INTERVAL_SECONDS: documented(integer(0, 3600).default(60), {
    doc: 'how often the `auth_active_sessions` gauge is recounted in the database while metrics are on (`0`: never)',
  }),
  DOCS_ENABLED: documented(boolean.optional(), {
    doc: 'serve the OpenAPI UI at `/docs` and the document at `/docs/openapi.json`',
    defaultDoc: '`true` outside production, `false` in production',
  }),
  ADMIN_CONSOLE_ENABLED: documented(boolean.optional(), {
    doc: 'serve the admin console (a page for ops, using the `/admin` API) at `ADMIN_CONSOLE_PATH`',
    defaultDoc: '`true` outside production, `false` in production',
  }),
  ADMIN_CONSOLE_PATH: documented(
    z
      .string()
      .regex(/^\/[a-z0-9][a-z0-9-]{0,62}$/, { message: 'must be one path segment such as /console' })
      .refine((path) => !['/auth', '/admin', '/health', '/metrics', '/docs', '/.well-known'].includes(path), {
        message: 'must not be a path the API uses',
      })
      .default('/console'),
    { doc: 'where the admin console is served' },
  ),
};
