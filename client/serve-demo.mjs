// Serves the built demo SPA (client/demo/dist) on DEMO_PORT (default 5173).
// Open http://localhost:5173/?api=http://localhost:3000 with the service
// started as: ALLOWED_ORIGINS=http://localhost:5173 npm start
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), 'demo/dist');
const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };
const port = Number(process.env.DEMO_PORT ?? 5173);

createServer((request, response) => {
  const path = new URL(request.url ?? '/', 'http://x').pathname;
  const file = join(root, path === '/' ? 'index.html' : path.slice(1));
  if (!file.startsWith(root) || !existsSync(file)) return response.writeHead(404).end();
  response.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
}).listen(port, '127.0.0.1', () => process.stdout.write(`demo on http://localhost:${port}/?api=http://localhost:3000\n`));
