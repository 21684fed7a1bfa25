// Runs `prisma generate`. Every prisma CLI command first looks for the
// schema-engine binary and, offline, fails trying to download it, although
// generate never uses it. Where no engine was installed, point the CLI at a
// stand-in executable; where one exists (or the variable is set), change nothing.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const enginesDir = dirname(require.resolve('@prisma/engines/package.json'));
const hasEngine = readdirSync(enginesDir).some((name) => name.startsWith('schema-engine'));
const env = { ...process.env };
if (!hasEngine && !env.PRISMA_SCHEMA_ENGINE_BINARY) {
  const standIn = ['/bin/true', '/usr/bin/true'].find((path) => existsSync(path));
  if (standIn) env.PRISMA_SCHEMA_ENGINE_BINARY = standIn;
}
const cli = join(dirname(require.resolve('prisma/package.json')), 'build', 'index.js');
const result = spawnSync(process.execPath, [cli, 'generate'], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
