import type { Command } from 'commander';
import { PurgeService } from '../../retention/retention.service.js';
import { type CommandContext, type GlobalOptions, print } from '../command-context.js';

export function purgeCommand(program: Command, context: CommandContext): void {
  program
    .command('purge')
    .description(
      'delete sessions that ended, and mailed tokens that expired, more than RETENTION_DAYS ago, deleted accounts once no token of theirs can be valid, and audit events older than AUDIT_RETENTION_DAYS, in batches of PURGE_BATCH_SIZE',
    )
    .action(async (_options, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const purge = (await context.services()).get(PurgeService);
      const backlog = await purge.backlog();
      const totals = backlog;
      context.io.err(
        `to delete: ${backlog.sessions} sessions, ${backlog.users} deleted accounts, ${backlog.account_tokens} mailed tokens, ${backlog.audit_events} audit events, ` +
          `${backlog.ssf_streams} inactive SSF streams, ${backlog.ssf_events} security events`,
      );
      // Rows may end meanwhile: the bar's total grows rather than overflows.
      const result = await purge.run(({ table, deletedSoFar }) => context.io.progress(table, deletedSoFar, Math.max(totals[table], deletedSoFar)));
      print(
        context,
        options,
        result,
        () =>
          `purged ${result.sessionsDeleted} sessions, ${result.usersDeleted} deleted accounts, ${result.accountTokensDeleted} mailed tokens, ` +
          `${result.auditEventsDeleted} audit events, ${result.streamsDeleted} inactive SSF streams and ${result.securityEventsDeleted} security events ` +
          `in ${result.batches} batches (${result.durationMs} ms)`,
      );
    });
}
