// Serves the built demo SPA (client/demo/dist) on DEMO_PORT (default 5173).
// Open http://localhost:5173/?api=http://localhost:3000 with the service
// started as: ALLOWED_ORIGINS=http://localhost:5173 npm start
// The browser tests serve it with the same function, on a free port.
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };

/** A static file server for `root` on 127.0.0.1:`port` (0: any free port); resolves to the listening server. */
export function serveDirectory(root, port) {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    const file = join(root, path === '/' ? 'index.html' : path.slice(1));
    if (!file.startsWith(root) || !existsSync(file)) return response.writeHead(404).end();
    response.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.DEMO_PORT ?? 5173);
  await serveDirectory(join(dirname(fileURLToPath(import.meta.url)), 'demo/dist'), port);
  process.stdout.write(`demo on http://localhost:${port}/?api=http://localhost:3000\n`);
}
