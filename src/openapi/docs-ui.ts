import type { FastifyInstance } from 'fastify';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { serveStaticFiles } from '../common/static-files.js';

export const DOCS_PATH = '/docs';

/**
 * What Swagger UI needs and nothing more: its own script and style from this
 * origin (no inline script or style), images as data: URIs (its icons), and
 * fetches of the document from this origin. The validator badge is off, so
 * nothing is loaded from elsewhere.
 */
export const DOCS_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>auth-service API</title>
    <link rel="stylesheet" href="${DOCS_PATH}/swagger-ui.css" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${DOCS_PATH}/swagger-ui-bundle.js"></script>
    <script src="${DOCS_PATH}/docs-ui.js"></script>
  </body>
</html>
`;

const INIT_SCRIPT = `window.ui = SwaggerUIBundle({ url: '${DOCS_PATH}/openapi.json', dom_id: '#swagger-ui', validatorUrl: null, deepLinking: true });\n`;

/** The OpenAPI UI at /docs and the document at /docs/openapi.json (DOCS_ENABLED). */
export function serveDocs(fastify: FastifyInstance, document: () => object): void {
  const assets = (createRequire(import.meta.url)('swagger-ui-dist') as { getAbsoluteFSPath(): string }).getAbsoluteFSPath();
  serveStaticFiles(
    fastify,
    [
      { path: DOCS_PATH, contentType: 'text/html; charset=utf-8', source: { content: PAGE } },
      { path: `${DOCS_PATH}/docs-ui.js`, contentType: 'text/javascript; charset=utf-8', source: { content: INIT_SCRIPT } },
      { path: `${DOCS_PATH}/swagger-ui.css`, contentType: 'text/css; charset=utf-8', source: { file: join(assets, 'swagger-ui.css') } },
      { path: `${DOCS_PATH}/swagger-ui-bundle.js`, contentType: 'text/javascript; charset=utf-8', source: { file: join(assets, 'swagger-ui-bundle.js') } },
    ],
    DOCS_CONTENT_SECURITY_POLICY,
  );
  let json: string | undefined;
  fastify.get(`${DOCS_PATH}/openapi.json`, (_request, reply) => {
    json ??= `${JSON.stringify(document(), null, 2)}\n`;
    void reply.header('content-type', 'application/json; charset=utf-8').send(json);
  });
}
