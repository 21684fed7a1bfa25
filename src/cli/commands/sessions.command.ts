import type { Command } from 'commander';
import { toAdminSessionView } from '../../auth/views/session.view.js';
import { AppError } from '../../common/app-error.js';
import { uuidParam } from '../../common/uuid.js';
import { SessionsAdminService } from '../../sessions/sessions-admin.service.js';
import { type CommandContext, findUser, type GlobalOptions, operatorActor, print } from '../command-context.js';
import { table } from '../table.js';

const STATUSES = ['active', 'ended', 'all'] as const;

function reasonOf(options: { reason: string }): string {
  const reason = options.reason.trim();
  if (reason.length === 0 || reason.length > 500) throw AppError.invalidField('reason', 'must be 1 to 500 characters');
  return reason;
}

export function sessionsCommand(program: Command, context: CommandContext): void {
  const sessions = program.command('sessions').description("list a user's sessions, revoke one family or all of them");

  sessions
    .command('list')
    .description("a user's sessions, newest first: device, IP, times, state and rotations")
    .argument('<user>', 'email or user id')
    .option('--status <status>', `${STATUSES.join(' | ')}`, 'active')
    .option('--limit <n>', 'at most this many', '50')
    .action(async (who: string, _options, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions & { status: string; limit: string }>();
      const status = STATUSES.find((value) => value === options.status);
      if (!status) throw AppError.invalidField('status', `must be one of ${STATUSES.join(', ')}`);
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw AppError.invalidField('limit', 'must be 1 to 200');
      const services = await context.services();
      const user = await findUser(services, who);
      const rows = (await services.get(SessionsAdminService).listSessions({ userId: user.id, status, limit })).map(toAdminSessionView);
      print(context, options, { user: { id: user.id, email: user.email }, sessions: rows }, () =>
        rows.length === 0
          ? `no ${status === 'all' ? '' : `${status} `}sessions for ${user.email}`
          : table(
              ['session', 'state', 'device', 'ip', 'created', 'last used', 'idle expiry', 'absolute expiry', 'rotations'],
              rows.map((row) => [
                row.id,
                row.state === 'revoked' ? `revoked (${row.revokeReason})` : row.state,
                row.userAgent?.slice(0, 40),
                row.ip,
                row.createdAt,
                row.lastUsedAt,
                row.idleExpiresAt,
                row.absoluteExpiresAt,
                row.rotations,
              ]),
            ),
      );
    });

  sessions
    .command('revoke')
    .description('revoke one session (token family); its holder is logged out at the next refresh')
    .argument('<sessionId>')
    .requiredOption('--reason <text>', 'why (kept in the audit event)')
    .action(async (sessionId: string, _options, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions & { reason: string }>();
      const actor = operatorActor(context, options);
      const id = uuidParam('sessionId').transform(sessionId, { type: 'param' });
      const revoked = await (await context.services()).get(SessionsAdminService).revokeSession(id, actor, reasonOf(options));
      print(context, options, { sessionId: id, revoked }, () => (revoked ? `revoked session ${id}` : `session ${id} was already revoked`));
    });

  sessions
    .command('revoke-all')
    .description('revoke every live session of a user')
    .argument('<user>', 'email or user id')
    .requiredOption('--reason <text>', 'why (kept in the audit event)')
    .action(async (who: string, _options, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions & { reason: string }>();
      const actor = operatorActor(context, options);
      const services = await context.services();
      const user = await findUser(services, who);
      const revoked = await services.get(SessionsAdminService).revokeUserSessions(user.id, actor, reasonOf(options));
      print(context, options, { userId: user.id, revoked }, () => `revoked ${revoked} session(s) of ${user.email}`);
    });
}
