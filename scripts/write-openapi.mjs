// Writes openapi.json (the checked-in description of the HTTP surface) from
// the built service: `npm run openapi` (builds first). The Nest app is
// created in preview mode: its routes and metadata, without a database.
// test/e2e/openapi.test.ts fails when the file and the running app differ.
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';

const root = join(import.meta.dirname, '..');
const { AppModule } = await import(join(root, 'dist/app.module.js'));
const { loadConfig } = await import(join(root, 'dist/config/load-config.js'));
const { createHttpAdapter } = await import(join(root, 'dist/http-app.js'));
const { buildOpenApiDocument } = await import(join(root, 'dist/openapi/openapi-document.js'));

// The defaults of every setting the document shows (cookie names, the CSRF header); nothing is connected.
const { config } = loadConfig({
  NODE_ENV: 'test',
  DATABASE_URL: 'postgresql://unused@127.0.0.1:1/unused',
  REFRESH_TOKEN_PEPPER: 'openapi-generation-only-pepper-0123456789',
  KEY_ENCRYPTION_SECRET: 'openapi-generation-only-kek-0123456789ab',
});
const app = await NestFactory.create(AppModule.forRoot(config), createHttpAdapter(config), { preview: true, logger: false, abortOnError: false });
const document = buildOpenApiDocument(app, config);
await app.close();
writeFileSync(join(root, 'openapi.json'), `${JSON.stringify(document, null, 2)}\n`);
process.stdout.write(`wrote openapi.json: ${Object.keys(document.paths).length} paths\n`);
