import { Command, CommanderError } from 'commander';
import { AppError } from '../common/app-error.js';
import { ConfigError } from '../config/load-config.js';
import type { CommandContext } from './command-context.js';
import { auditCommand } from './commands/audit.command.js';
import { keysCommand } from './commands/keys.command.js';
import { purgeCommand } from './commands/purge.command.js';
import { sessionsCommand } from './commands/sessions.command.js';
import { usersCommand } from './commands/users.command.js';
import { EXIT, exitCodeOf } from './exit-codes.js';

const EPILOGUE = `
Exit status: 0 done, 1 failed, 2 usage or invalid input, 3 not found, 4 refused by the current state
(key not ready, email taken), 5 database unavailable or busy, 78 invalid configuration.
State-changing commands are audited with --actor (default: your OS user) and origin "cli".
On the embedded development database, a command given while \`npm start\` runs is executed by that
service (through DATA_DIR/cli.sock, owner-only); with DATABASE_URL the CLI connects itself.`;

/** The operator's command line (commander): one fresh program per run, so that runs never share state. */
export function buildProgram(context: CommandContext): Command {
  const program = new Command('auth-cli')
    .description('Operate the auth service: users, sessions, signing keys, the audit trail, retention.')
    .option('--json', 'print results as JSON (for scripts)')
    .option('--actor <name>', 'who you are, as the audit trail will name you (default: your OS user)')
    .showHelpAfterError()
    .addHelpText('after', EPILOGUE)
    .exitOverride()
    .configureOutput({ writeOut: (text) => context.io.out(text), writeErr: (text) => context.io.err(text) });
  // Set before the subcommands are added, so that they inherit them.
  usersCommand(program, context);
  sessionsCommand(program, context);
  keysCommand(program, context);
  auditCommand(program, context);
  purgeCommand(program, context);
  return program;
}

/** Runs one command line; returns the exit status. Failures are said on stderr in one line (or as JSON with --json). */
export async function runCli(argv: string[], context: CommandContext): Promise<number> {
  const json = argv.includes('--json');
  try {
    await buildProgram(context).parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help (asked for, or shown for a bare command) is not a failure; otherwise commander has said what was wrong.
      return error.exitCode === 0 || error.code === 'commander.help' ? EXIT.ok : EXIT.usage;
    }
    const code = error instanceof AppError ? error.code : undefined;
    const message = error instanceof ConfigError || error instanceof AppError ? error.message : `failed: ${(error as Error).message}`;
    context.io.err(json ? JSON.stringify({ error: code ?? 'failed', message }) : `error: ${message}`);
    return exitCodeOf(error);
  }
}
