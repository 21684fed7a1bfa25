import { simpleParser } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
  /** The whole message as it arrived, headers included. */
  raw: string;
}

/**
 * A real SMTP server in the test process (smtp-server), which the service
 * reaches through SMTP_URL like any other: what it received is parsed
 * (mailparser) and kept. A mail is stored before the server acknowledges
 * it, so once the service's mail jobs are idle, every mail is here.
 */
export class Mailbox {
  readonly mails: ReceivedMail[] = [];

  private constructor(
    private readonly server: SMTPServer,
    readonly url: string,
  ) {}

  static async start(): Promise<Mailbox> {
    let box: Mailbox | undefined;
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, _session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          simpleParser(raw).then(
            (parsed) => {
              const to = [parsed.to ?? []].flat().flatMap((address) => address.value.map((entry) => entry.address ?? ''));
              box!.mails.push({ to, from: parsed.from?.text ?? '', subject: parsed.subject ?? '', text: parsed.text ?? '', html: parsed.html || '', raw });
              callback();
            },
            (error: Error) => callback(error),
          );
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.server.address() as AddressInfo;
    box = new Mailbox(server, `smtp://127.0.0.1:${port}`);
    return box;
  }

  to(address: string): ReceivedMail[] {
    return this.mails.filter((mail) => mail.to.includes(address));
  }

  /** The token of the link of `kind` in the newest mail to `address` that has one. */
  tokenFor(address: string, kind: 'reset-password' | 'verify-email'): string {
    const link = new RegExp(`#${kind}=([A-Za-z0-9._-]+)`);
    const match = this.to(address)
      .map((mail) => link.exec(mail.text))
      .findLast((found) => found !== null);
    if (!match) throw new Error(`no mail with a ${kind} link to ${address}`);
    return match[1]!;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
