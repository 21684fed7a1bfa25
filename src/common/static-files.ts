import type { FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';

export interface StaticFile {
  /** The URL path, e.g. /console/console.js */
  path: string;
  contentType: string;
  /** The file on disk, read once, or the content itself. */
  source: { file: string } | { content: string };
}

/**
 * A few known files, read once into memory and served at fixed paths with
 * their own Content-Security-Policy (the API's own policy forbids everything
 * a page could load). A fixed list rather than a directory mount: nothing
 * else under the folder is reachable, whatever the path says.
 */
export function serveStaticFiles(fastify: FastifyInstance, files: StaticFile[], contentSecurityPolicy: string): void {
  for (const file of files) {
    const body = 'file' in file.source ? readFileSync(file.source.file) : Buffer.from(file.source.content);
    fastify.get(file.path, (_request, reply) => {
      void reply
        .header('content-type', file.contentType)
        .header('content-security-policy', contentSecurityPolicy)
        .header('cache-control', 'no-cache')
        .send(body);
    });
  }
}
