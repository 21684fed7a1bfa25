// The tables the benchmark prints and writes, and its targets.
import type { StormResult } from './login-storm.js';
import type { Measurement } from './measure.js';
import type { PeerResult } from './peer.js';
import type { RoundTripResult } from './round-trips.js';

/** A line of the main table, and of `rows` in the JSON result. */
export interface Row extends Partial<Measurement> {
  operation: string;
  rps: number;
  tableRows?: number;
  ceiling?: number;
  ratio?: number;
  target?: number;
  /** How the ratio meets its target; higher unless said. */
  better?: 'higher' | 'lower';
  rssMb?: number | null;
}

export interface Target {
  value: number | null | undefined;
  target: number;
  better: 'higher' | 'lower';
  met: boolean;
}

/** `strict`: the value must stay below the target, not reach it (peak RSS < 250 MB). */
export function target(value: number | null | undefined, goal: number, better: 'higher' | 'lower', strict = false): Target {
  const known = value !== null && value !== undefined && Number.isFinite(value);
  const met = known && (better === 'higher' ? value >= goal : strict ? value < goal : value <= goal);
  return { value, target: goal, better, met };
}

function verdict({ ratio, target: goal, better = 'higher' }: Row): string {
  if (ratio === undefined || goal === undefined) return '';
  return `${target(ratio, goal, better).met ? 'met' : 'MISSED'} (${better === 'higher' ? '≥' : '≤'} ${goal})`;
}

export function table(header: string[], lines: string[][]): string {
  const widths = header.map((title, index) => Math.max(title.length, ...lines.map((line) => line[index].length)));
  const render = (cells: string[]): string => `| ${cells.map((cell, index) => cell.padEnd(widths[index])).join(' | ')} |`;
  return [render(header), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...lines.map(render)].join('\n');
}

const text = (value: number | null | undefined, digits?: number): string =>
  value === undefined || value === null ? '' : digits === undefined ? String(value) : value.toFixed(digits);

export function mainTable(rows: Row[]): string {
  return table(
    ['operation', 'req/s', 'p50 ms', 'p99 ms', 'ceiling req/s', 'ratio', 'target', 'errors', 'peak RSS MB'],
    rows.map((row) => [
      row.operation,
      String(row.rps),
      text(row.p50),
      text(row.p99),
      text(row.ceiling),
      text(row.ratio, 2),
      verdict(row),
      text(row.errors),
      text(row.rssMb),
    ]),
  );
}

export interface Comparison {
  operation: string;
  ours: Measurement;
  peer: Measurement;
  target: number;
  /** CPU ms of one password verification, each side's own default. */
  hashCpuMs?: { ours: number; peer: number };
}

/** Ours ÷ the peer's rate; null when the peer answered nothing. */
export function versusPeer({ ours, peer }: Comparison): number | null {
  return peer.rps > 0 ? ours.rps / peer.rps : null;
}

export function peerTable(comparisons: Comparison[]): string {
  return table(
    ['ours vs better-auth', 'req/s ours', 'req/s peer', 'ours ÷ peer', 'target', 'p99 ms ours / peer', 'CPU ms/req ours / peer', 'CPU ms/hash ours / peer', 'errors ours / peer'],
    comparisons.map((comparison) => {
      const { operation, ours, peer, target: goal, hashCpuMs } = comparison;
      const ratio = versusPeer(comparison);
      return [
        operation,
        String(ours.rps),
        String(peer.rps),
        ratio === null ? 'n/a' : ratio.toFixed(2),
        `${target(ratio, goal, 'higher').met ? 'met' : 'MISSED'} (≥ ${goal})`,
        `${ours.p99} / ${peer.p99}`,
        `${text(ours.cpuMsPerRequest)} / ${text(peer.cpuMsPerRequest)}`,
        hashCpuMs ? `${hashCpuMs.ours} / ${hashCpuMs.peer}` : '',
        `${ours.errors} / ${peer.errors}`,
      ];
    }),
  );
}

export function roundTripTable({ rows }: RoundTripResult): string {
  return table(
    ['one request at a time', 'requests', 'DB round trips / req', 'statements / req', 'PostgreSQL ms / req'],
    rows.map((row) => [row.operation, String(row.requests), row.roundTrips.toFixed(2), row.statements.toFixed(2), row.databaseMs.toFixed(2)]),
  );
}

/** p99 during a storm ÷ alone, or what happened instead. */
export function stormRatioText({ p99Ratio, storm }: StormResult, measureSeconds: number): string {
  return p99Ratio === null ? `no check answered in ${measureSeconds} s` : `${storm.p99} ms, ×${p99Ratio.toFixed(2)}`;
}

export function peerSummary(peer: PeerResult, measureSeconds: number): string {
  return `better-auth ${peer.version}, ${peer.hash.algorithm}: get-session p99 ${peer.storm.quiet.p99} ms alone, during a sign-in storm ${stormRatioText(peer.storm, measureSeconds)} (${peer.storm.logins.rps} sign-ins/s); peak RSS ${peer.peakRssMb} MB`;
}
