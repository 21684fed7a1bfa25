import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';

/**
 * Where a command writes and what it asks: the operator's terminal, or (for
 * a command the running service executes on the CLI's behalf) the control
 * socket back to it. Results go to `out` (stdout), everything else to `err`.
 */
export interface OperatorIo {
  out(text: string): void;
  err(text: string): void;
  /** Long work: how far along it is. Shown as a bar on a terminal, as lines otherwise. */
  progress(label: string, done: number, total: number): void;
  /** A secret typed without echo, or read from standard input when `fromStdin`. */
  readSecret(prompt: string, fromStdin: boolean): Promise<string>;
  /** Aborted when the operator goes away (Ctrl-C, or the CLI behind the socket disconnected). */
  readonly signal: AbortSignal;
}

const BAR_WIDTH = 30;

/** One progress line, redrawn in place. */
export function progressLine(label: string, done: number, total: number): string {
  const ratio = total > 0 ? Math.min(done / total, 1) : 1;
  const filled = Math.round(ratio * BAR_WIDTH);
  return `${label.padEnd(14)} [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${String(Math.round(ratio * 100)).padStart(3)}% ${done}/${total}`;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  return text.replace(/\r?\n$/, '');
}

/** Reads a line from the terminal without echoing it. */
function promptHidden(prompt: string): Promise<string> {
  const muted = new Writable({ write: (_chunk, _encoding, done) => done() });
  process.stderr.write(prompt);
  const reader = createInterface({ input: process.stdin, output: muted, terminal: true });
  return new Promise((resolve) => {
    reader.question('', (answer) => {
      reader.close();
      process.stderr.write('\n');
      resolve(answer);
    });
  });
}

export function terminalIo(): OperatorIo {
  const controller = new AbortController();
  process.once('SIGINT', () => {
    // `audit tail --follow` stops at once; anything else gets a moment to finish its statement, then the process ends.
    controller.abort();
    setTimeout(() => process.exit(130), 1000).unref();
  });
  let barShown = false;
  return {
    out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err(text) {
      if (barShown) process.stderr.write('\n');
      barShown = false;
      process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
    },
    progress(label, done, total) {
      if (process.stderr.isTTY) {
        process.stderr.write(`\r${progressLine(label, done, total)}`);
        barShown = true;
      } else {
        process.stderr.write(`${progressLine(label, done, total)}\n`);
      }
    },
    async readSecret(prompt, fromStdin) {
      if (fromStdin) return readAll(process.stdin);
      if (!process.stdin.isTTY) throw new Error('no terminal to ask for the password on: pass --password-stdin and pipe it in');
      return promptHidden(prompt);
    },
    signal: controller.signal,
  };
}
