import type { Command } from 'commander';
import { toUserView } from '../../auth/views/user.view.js';
import { AppError } from '../../common/app-error.js';
import { UsersService } from '../../users/users.service.js';
import { type CommandContext, type GlobalOptions, operatorActor, print } from '../command-context.js';
import { table } from '../table.js';

export function usersCommand(program: Command, context: CommandContext): void {
  const users = program.command('users').description('find users, create an admin, grant and revoke roles');

  users
    .command('find')
    .description('users whose email starts with <prefix>, ordered by email')
    .argument('<prefix>', 'the start of an email address (case-insensitive)')
    .option('--limit <n>', 'at most this many', '50')
    .action(async (prefix: string, _options, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions & { limit: string }>();
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw AppError.invalidField('limit', 'must be 1 to 1000');
      const found = (await (await context.services()).get(UsersService).searchByEmail(prefix, limit)).map(toUserView);
      print(context, options, { users: found }, () =>
        found.length === 0 ? 'no user found' : table(['id', 'email', 'roles', 'created'], found.map((user) => [user.id, user.email, user.roles.join(',') || '-', user.createdAt])),
      );
    });

  users
    .command('create-admin')
    .description('create an account with the admin role (the first admin of a fresh install); asks for the password without echo')
    .argument('<email>')
    .option('--password-stdin', 'read the password from standard input instead of asking')
    .action(async (email: string, _options, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions & { passwordStdin?: boolean }>();
      const actor = operatorActor(context, options);
      const password = await context.io.readSecret('Password for the new admin: ', options.passwordStdin === true);
      if (!options.passwordStdin && (await context.io.readSecret('Same password again: ', false)) !== password) {
        throw AppError.invalidField('password', 'the two entries differ');
      }
      const user = toUserView(await (await context.services()).get(UsersService).createAdmin(email, password, actor));
      print(context, options, { user }, () => `created ${user.email} (${user.id}) with the role admin`);
    });

  for (const [name, grant] of [['grant-role', true], ['revoke-role', false]] as const) {
    users
      .command(name)
      .description(grant ? 'give a user a role (admin: the /admin API and the console)' : 'take a role from a user')
      .argument('<email>')
      .argument('<role>', 'for example admin')
      .action(async (email: string, role: string, _options, command: Command) => {
        const options = command.optsWithGlobals<GlobalOptions>();
        const actor = operatorActor(context, options);
        const user = toUserView(await (await context.services()).get(UsersService).changeRole(email, role, grant, actor));
        print(context, options, { user }, () => `${user.email} now has roles: ${user.roles.join(', ') || '(none)'}`);
      });
  }
}
