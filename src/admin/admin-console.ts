import type { FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { serveStaticFiles } from '../common/static-files.js';

/** Built by `npm run build` (client/build.mjs) from client/admin/. */
export const CONSOLE_BUILD = resolve(import.meta.dirname, '../../client/admin/dist');

/** Its own script, style and API calls, all from this origin; nothing inline, no frames, no forms posted anywhere. */
export const CONSOLE_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const FILES = [
  { name: 'index.html', contentType: 'text/html; charset=utf-8' },
  { name: 'console.js', contentType: 'text/javascript; charset=utf-8' },
  { name: 'console.css', contentType: 'text/css; charset=utf-8' },
];

/**
 * The admin console (client/admin/) at `path`/ on the service's own origin,
 * so that it calls the /admin API with the SPA client library and the
 * service's cookies. Add the service's own origin to ALLOWED_ORIGINS: the
 * console's writes pass the same CSRF check as any other page's.
 */
export function serveAdminConsole(fastify: FastifyInstance, path: string, logger: Logger): void {
  const missing = FILES.filter((file) => !existsSync(join(CONSOLE_BUILD, file.name)));
  if (missing.length > 0) {
    logger.warn({ path, build: CONSOLE_BUILD }, 'the admin console is enabled but not built (npm run build builds it): not served');
    return;
  }
  fastify.get(path, (_request, reply) => {
    void reply.redirect(`${path}/`, 308);
  });
  serveStaticFiles(
    fastify,
    FILES.map((file) => ({
      path: file.name === 'index.html' ? `${path}/` : `${path}/${file.name}`,
      contentType: file.contentType,
      source: { file: join(CONSOLE_BUILD, file.name) },
    })),
    CONSOLE_CONTENT_SECURITY_POLICY,
  );
}
