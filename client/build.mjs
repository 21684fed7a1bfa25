// Builds the client library (client/dist/auth-client.js, ESM), the demo
// SPA (client/demo/dist/) and the admin console (client/admin/dist/, which
// the service serves) with esbuild. `node client/build.mjs`.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

export async function buildClient() {
  const common = { bundle: true, format: 'esm', target: 'es2022', sourcemap: true, logLevel: 'warning' };
  await build({ ...common, entryPoints: [join(here, 'src/auth-client.ts')], outfile: join(here, 'dist/auth-client.js') });
  const demo = join(here, 'demo/dist');
  mkdirSync(demo, { recursive: true });
  await build({ ...common, entryPoints: [join(here, 'demo/main.ts')], outfile: join(demo, 'main.js'), minify: true });
  for (const file of ['index.html', 'demo.css']) copyFileSync(join(here, 'demo', file), join(demo, file));
  const admin = join(here, 'admin/dist');
  mkdirSync(admin, { recursive: true });
  // No source map next to the console: the service serves exactly the files it lists.
  await build({ ...common, sourcemap: false, entryPoints: [join(here, 'admin/console.ts')], outfile: join(admin, 'console.js'), minify: true });
  for (const file of ['index.html', 'console.css']) copyFileSync(join(here, 'admin', file), join(admin, file));
  return demo;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const demo = await buildClient();
  process.stdout.write(`built client/dist/auth-client.js, ${demo} and client/admin/dist\n`);
}
