import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** The layout rules of docs/architecture.md, checked on the source so that a shortcut fails here rather than in a review. */
const SRC = join(import.meta.dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'generated' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/^import [^;]*? from '([^']+)';/gms)].map((match) => match[1]!);
}

const files = sourceFiles(SRC);
const room = (file: string) => relative(SRC, file).split('/')[0]!;
const DOMAIN_ROOMS = ['sessions', 'users', 'tokens', 'audit', 'sign-in', 'retention', 'service-clients', 'account', 'mail', 'shared-signals'];

test('sessions/ imports neither users/ nor tokens/ (nor account/ or mail/, which compose it)', () => {
  const offending = files
    .filter((file) => room(file) === 'sessions')
    .flatMap((file) => importsOf(file).filter((source) => /^\.\.\/(users|tokens|account|mail)\//.test(source)).map((source) => `${relative(SRC, file)} -> ${source}`));
  expect(offending).toEqual([]);
});

test('domain rooms know no HTTP: no HTTP room and no web framework imported', () => {
  const offending = files
    .filter((file) => DOMAIN_ROOMS.includes(room(file)))
    .flatMap((file) =>
      importsOf(file)
        .filter((source) => /^\.\.\/(auth|admin|health)\//.test(source) || /^(fastify|@fastify\/|@nestjs\/platform-)/.test(source))
        .map((source) => `${relative(SRC, file)} -> ${source}`),
    );
  expect(offending).toEqual([]);
});

test('no source file is over 250 lines', () => {
  const long = files
    .map((file) => ({ file: relative(SRC, file), lines: readFileSync(file, 'utf8').split('\n').length }))
    .filter((entry) => entry.lines > 250);
  expect(long).toEqual([]);
});

test('error codes are named in the catalog only: no service builds an error from a bare status', () => {
  const offending = files.filter((file) => /new AppError\(\d/.test(readFileSync(file, 'utf8'))).map((file) => relative(SRC, file));
  expect(offending).toEqual([]);
});

test('interactive transactions go through PrismaService.transaction (which sets the timeouts behind a pooler)', () => {
  const offending = files
    .filter((file) => !file.endsWith('prisma.service.ts') && readFileSync(file, 'utf8').includes('$transaction('))
    .map((file) => relative(SRC, file));
  expect(offending).toEqual([]);
});

test('no session-scoped advisory locks: they break behind a pooler in transaction mode', () => {
  const offending = files.filter((file) => /pg_(try_)?advisory_lock\(/.test(readFileSync(file, 'utf8'))).map((file) => relative(SRC, file));
  expect(offending).toEqual([]);
});

test('domain rooms count through the Metrics provider only, never the metrics room\'s HTTP parts', () => {
  const offending = files
    .filter((file) => DOMAIN_ROOMS.includes(room(file)))
    .flatMap((file) => importsOf(file).filter((source) => /^\.\.\/metrics\//.test(source) && source !== '../metrics/metrics.js').map((source) => `${relative(SRC, file)} -> ${source}`));
  expect(offending).toEqual([]);
});
