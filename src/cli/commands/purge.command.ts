import type { Command } from 'commander';
import { PurgeService } from '../../retention/retention.service.js';
import { type CommandContext, type GlobalOptions, print } from '../command-context.js';

export function purgeCommand(program: Command, context: CommandContext): void {
  program
    .command('purge')
    .description('delete sessions that ended more than RETENTION_DAYS ago and audit events older than AUDIT_RETENTION_DAYS, in batches of PURGE_BATCH_SIZE')
    .action(async (_options, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const purge = (await context.services()).get(PurgeService);
      const backlog = await purge.backlog();
      const totals = { sessions: backlog.sessions, audit_events: backlog.auditEvents };
      context.io.err(`to delete: ${backlog.sessions} sessions, ${backlog.auditEvents} audit events`);
      // Rows may end meanwhile: the bar's total grows rather than overflows.
      const result = await purge.run(({ table, deletedSoFar }) => context.io.progress(table, deletedSoFar, Math.max(totals[table], deletedSoFar)));
      print(context, options, result, () => `purged ${result.sessionsDeleted} sessions and ${result.auditEventsDeleted} audit events in ${result.batches} batches (${result.durationMs} ms)`);
    });
}
