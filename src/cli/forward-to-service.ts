import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import type { Operator } from './command-context.js';
import type { OperatorIo } from './operator-io.js';
import type { OperatorMessage } from './operator-socket.js';

/**
 * Sends a command line to the running service over its operator socket
 * (operator-socket.ts) and plays its answer on this terminal. Resolves to
 * the command's exit status.
 */
export async function forwardToService(path: string, argv: string[], operator: Operator, io: OperatorIo): Promise<number> {
  const socket = connect(path);
  await new Promise<void>((done, fail) => socket.once('connect', done).once('error', fail));
  io.signal.addEventListener('abort', () => socket.destroy());
  const send = (message: OperatorMessage) => socket.write(`${JSON.stringify(message)}\n`);
  send({ type: 'run', argv, operator });
  for await (const line of createInterface({ input: socket, crlfDelay: Infinity })) {
    const message = JSON.parse(line) as OperatorMessage;
    if (message.type === 'out') io.out(message.text);
    else if (message.type === 'err') io.err(message.text);
    else if (message.type === 'progress') io.progress(message.label, message.done, message.total);
    else if (message.type === 'ask') send({ type: 'secret', value: await io.readSecret(message.prompt, message.fromStdin) });
    else if (message.type === 'exit') {
      socket.end();
      return message.code;
    }
  }
  // Interrupted (Ctrl-C during --follow) or the service stopped mid-way.
  return io.signal.aborted ? 0 : 1;
}
