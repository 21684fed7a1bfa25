import type { Command } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import { AuditEventView, toAuditEventView } from '../../admin/audit-event.view.js';
import { AuditReader, type AuditFilter } from '../../audit/audit.reader.js';
import { AppError } from '../../common/app-error.js';
import { Clock } from '../../common/clock.js';
import { type CommandContext, findUser, type GlobalOptions } from '../command-context.js';

/** Transactions commit after their event's time is taken: each poll re-reads this much and skips what it has shown. */
const FOLLOW_OVERLAP_MS = 30_000;
const FOLLOW_PAGE = 500;

interface TailOptions extends GlobalOptions {
  follow?: boolean;
  user?: string;
  type?: string;
  since?: string;
  limit: string;
  interval: string;
}

function line(event: AuditEventView): string {
  const who = `${event.actor ?? '-'}${event.origin === 'cli' ? ' (cli)' : ''}`;
  const data = event.data === null || event.data === undefined ? '' : ` ${JSON.stringify(event.data)}`;
  return `${event.occurredAt}  ${event.type.padEnd(30)} by ${who}  user=${event.userId ?? '-'} session=${event.sessionId ?? '-'} ip=${event.ip ?? '-'}${data}`;
}

function positive(value: string, field: string, max: number): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0 || number > max) throw AppError.invalidField(field, `must be a number from 1 to ${max}`);
  return number;
}

export function auditCommand(program: Command, context: CommandContext): void {
  program
    .command('audit')
    .description('the audit trail')
    .command('tail')
    .description('the latest events, oldest first; --follow keeps printing new ones (polling)')
    .option('--follow', 'keep polling for new events until interrupted')
    .option('--user <user>', 'only events about this user (email or id)')
    .option('--type <type>', 'only events of this type, e.g. refresh_token_reuse_detected')
    .option('--since <time>', 'only events at or after this ISO 8601 time')
    .option('--limit <n>', 'how many of the latest events to show first', '20')
    .option('--interval <seconds>', 'how often --follow polls', '2')
    .action(async (_options, command: Command) => {
      const options = command.optsWithGlobals<TailOptions>();
      const limit = positive(options.limit, 'limit', 500);
      const intervalMs = positive(options.interval, 'interval', 3600) * 1000;
      const since = options.since === undefined ? undefined : new Date(options.since);
      if (since && Number.isNaN(since.getTime())) throw AppError.invalidField('since', 'must be an ISO 8601 time');
      if (options.type !== undefined && !/^[a-z_]{1,64}$/.test(options.type)) throw AppError.invalidField('type', 'must be an event type');
      const services = await context.services();
      const filter: AuditFilter = { type: options.type, from: since };
      if (options.user !== undefined) filter.userId = (await findUser(services, options.user)).id;
      const reader = services.get(AuditReader);
      const show = (event: AuditEventView) => context.io.out(options.json ? JSON.stringify(event) : line(event));

      const latest = (await reader.list(filter, limit)).events.map(toAuditEventView).reverse();
      latest.forEach(show);
      if (!options.follow) return;

      const clock = services.get(Clock);
      const seen = new Map(latest.map((event) => [event.id, Date.parse(event.occurredAt)]));
      let newest = Math.max(clock.now().getTime(), ...seen.values());
      while (!context.io.signal.aborted) {
        try {
          await sleep(intervalMs, undefined, { signal: context.io.signal });
        } catch {
          return;
        }
        const from = new Date(Math.max(newest - FOLLOW_OVERLAP_MS, since?.getTime() ?? 0));
        for (const event of (await reader.listOldestFirst({ ...filter, from }, FOLLOW_PAGE)).map(toAuditEventView)) {
          if (seen.has(event.id)) continue;
          const at = Date.parse(event.occurredAt);
          seen.set(event.id, at);
          newest = Math.max(newest, at);
          show(event);
        }
        for (const [id, at] of seen) if (at < newest - FOLLOW_OVERLAP_MS) seen.delete(id);
      }
    });
}
