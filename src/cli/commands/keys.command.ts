import type { Command } from 'commander';
import { toSigningKeyView } from '../../admin/admin-answers.view.js';
import { SigningKeysService } from '../../tokens/signing-keys.service.js';
import { type CommandContext, type GlobalOptions, operatorActor, print } from '../command-context.js';
import { table } from '../table.js';

export function keysCommand(program: Command, context: CommandContext): void {
  const keys = program.command('keys').description('signing keys: list, rotate, withdraw');

  keys
    .command('list')
    .description('every signing key and its state (no private parts)')
    .action(async (_options, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const rows = (await (await context.services()).get(SigningKeysService).listKeys()).map(toSigningKeyView);
      print(context, options, { keys: rows }, () =>
        table(['kid', 'state', 'algorithm', 'created', 'activated', 'retired', 'published until'], rows.map((key) => [key.kid, key.state, key.algorithm, key.createdAt, key.activatedAt, key.retiredAt, key.publishUntil])),
      );
    });

  keys
    .command('rotate')
    .description('two phases: the first call publishes a next key; a later one (after JWKS_MAX_AGE_SECONDS + 60 s) makes it current')
    .option('--force', 'both phases at once, after a leak (then withdraw the old key)')
    .action(async (_options, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions & { force?: boolean }>();
      const actor = operatorActor(context, options);
      const result = await (await context.services()).get(SigningKeysService).rotate(actor, options.force === true);
      print(context, options, result, () =>
        result.action === 'staged' ? `published the next key ${result.next}; run again once verifiers have it to make it current` : `the current key is now ${result.current}`,
      );
    });

  keys
    .command('withdraw')
    .description('take a next or retired key out of the JWKS at once (a leaked key)')
    .argument('<kid>')
    .action(async (kid: string, _options, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      await (await context.services()).get(SigningKeysService).withdraw(kid, operatorActor(context, options));
      print(context, options, { kid, withdrawn: true }, () => `withdrew ${kid}`);
    });
}
