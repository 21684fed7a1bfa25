// CPU milliseconds of one better-auth password verification with its default
// hashing, one at a time in a process doing nothing else; printed as JSON
// (PeerHashCost) on stdout for the bench. Argument: the number of samples.
import { readFileSync } from 'node:fs';
import { hashPassword, verifyPassword } from 'better-auth/crypto';
import type { PeerHashCost } from '../protocol.js';

/** The parameters as the installed @better-auth/utils writes them, so that the label follows the version. */
function algorithm(): string {
  const source = readFileSync(new URL(import.meta.resolve('@better-auth/utils/password')), 'utf8');
  const parameter = (name: string): string => new RegExp(`\\b${name}:\\s*(\\d+)`).exec(source)?.[1] ?? '?';
  return /scrypt/.test(source) ? `scrypt N=${parameter('N')} r=${parameter('r')} p=${parameter('p')}` : 'unknown';
}

const samples = Number(process.argv[2] ?? 5);
const password = 'bench password, long enough';
const hash = await hashPassword(password);
const costs: number[] = [];
for (let i = 0; i < samples; i++) {
  const before = process.cpuUsage();
  if (!(await verifyPassword({ hash, password }))) throw new Error('verifyPassword refused the right password');
  const { user, system } = process.cpuUsage(before);
  costs.push((user + system) / 1000);
}
costs.sort((a, b) => a - b);
// better-auth exports no package.json; its entry point is dist/index.mjs.
const betterAuth = JSON.parse(readFileSync(new URL('../package.json', import.meta.resolve('better-auth')), 'utf8')) as { version: string };
const result: PeerHashCost = { algorithm: algorithm(), cpuMs: Math.round(costs[Math.floor(samples / 2)] * 10) / 10, version: betterAuth.version };
process.stdout.write(`${JSON.stringify(result)}\n`);
