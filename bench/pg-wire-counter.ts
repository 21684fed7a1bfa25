// A TCP proxy between a service and PostgreSQL that reads the wire protocol
// as it passes, to count what each request costs the database. A round trip
// is one point where the client waits for PostgreSQL: a Sync (the end of an
// extended-protocol batch: Parse/Bind/Execute…) or a simple Query, each
// answered by one ReadyForQuery. The time from forwarding that message to
// the ReadyForQuery is the database's time for it (loopback included).
import net from 'node:net';
import { performance } from 'node:perf_hooks';

export interface WireCounts {
  roundTrips: number;
  /** Executes and simple queries (a BEGIN or COMMIT counts as one). */
  statements: number;
  /** Sum over round trips of forward → ReadyForQuery, ms. */
  databaseMs: number;
  /** Connections opened to PostgreSQL. */
  connections: number;
  elapsedMs: number;
  /** Statement texts seen, whitespace collapsed, with how often each was prepared or sent. */
  texts: Record<string, number>;
}

interface Window {
  started: number;
  counts: Omit<WireCounts, 'elapsedMs'>;
}

/** Startup-phase requests (no type byte) that PostgreSQL answers with one byte, S or N. */
const SSL_REQUEST = 80877103;
const GSS_ENCRYPTION_REQUEST = 80877104;

/**
 * Splits a byte stream into protocol messages. Every message is a type byte
 * and a length that counts itself; only the client's first message of a
 * connection (startup, SSL or cancel request) has no type byte.
 */
class MessageSplitter {
  private pending: Buffer = Buffer.alloc(0);

  constructor(
    private untyped: boolean,
    private readonly onMessage: (type: number, body: Buffer) => void,
  ) {}

  push(chunk: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    for (;;) {
      const header = this.untyped ? 0 : 1;
      if (this.pending.length < header + 4) return;
      const length = this.pending.readInt32BE(header);
      if (this.pending.length < header + length) return;
      const type = this.untyped ? 0 : this.pending[0];
      this.onMessage(type, this.pending.subarray(header + 4, header + length));
      this.pending = this.pending.subarray(header + length);
      this.untyped = false;
    }
  }

  /** After an SSL or GSS request refused, the client sends its startup message, untyped again. */
  expectUntyped(): void {
    this.untyped = true;
  }
}

export class PgWireCounter {
  private readonly server: net.Server;
  private readonly windows = new Set<Window>();
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {
    this.server = net.createServer((client) => this.accept(client));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this;
  }

  /** `url` with its host and port replaced by this proxy's. */
  urlFor(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = '127.0.0.1';
    parsed.port = String(this.port);
    return parsed.toString();
  }

  /** Counts from now until the returned function is called. */
  begin(): () => WireCounts {
    const window: Window = { started: performance.now(), counts: { roundTrips: 0, statements: 0, databaseMs: 0, connections: 0, texts: {} } };
    this.windows.add(window);
    return () => {
      this.windows.delete(window);
      return { ...window.counts, databaseMs: Math.round(window.counts.databaseMs * 100) / 100, elapsedMs: performance.now() - window.started };
    };
  }

  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private count(update: (counts: Window['counts']) => void): void {
    for (const window of this.windows) update(window.counts);
  }

  private accept(client: net.Socket): void {
    const upstream = net.connect(this.target);
    this.sockets.add(client).add(upstream);
    const waiting: number[] = [];
    this.count((counts) => (counts.connections += 1));
    const fromClient = new MessageSplitter(true, (type, body) => {
      if (type === 0 && body.length === 4 && [SSL_REQUEST, GSS_ENCRYPTION_REQUEST].includes(body.readInt32BE(0))) {
        // No encryption between the service and this proxy: refuse it as PostgreSQL would, and read the startup that follows.
        client.write('N');
        fromClient.expectUntyped();
        return;
      }
      upstream.write(frame(type, body));
      if (type === 0x53 /* Sync */ || type === 0x51 /* Query */) {
        waiting.push(performance.now());
        this.count((counts) => (counts.roundTrips += 1));
      }
      if (type === 0x45 /* Execute */ || type === 0x51) this.count((counts) => (counts.statements += 1));
      if (type === 0x50 /* Parse */ || type === 0x51) this.record(statementText(type, body));
    });
    const fromServer = new MessageSplitter(false, (type) => {
      if (type !== 0x5a /* ReadyForQuery */) return;
      const sent = waiting.shift();
      // The ReadyForQuery after authentication answers no Sync of the client.
      if (sent !== undefined) this.count((counts) => (counts.databaseMs += performance.now() - sent));
    });
    client.on('data', (chunk) => {
      // One write upstream per chunk read, as the client batched it.
      upstream.cork();
      fromClient.push(chunk);
      upstream.uncork();
    });
    upstream.on('data', (chunk) => {
      fromServer.push(chunk);
      client.write(chunk);
    });
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  }

  private record(text: string): void {
    this.count((counts) => (counts.texts[text] = (counts.texts[text] ?? 0) + 1));
  }
}

/** Re-frames a message as it came: the client's messages are forwarded once read whole. */
function frame(type: number, body: Buffer): Buffer {
  const header = Buffer.alloc(type === 0 ? 4 : 5);
  if (type !== 0) header[0] = type;
  header.writeInt32BE(body.length + 4, type === 0 ? 0 : 1);
  return Buffer.concat([header, body]);
}

/** Parse: name NUL text NUL …; Query: text NUL. */
function statementText(type: number, body: Buffer): string {
  const start = type === 0x50 ? body.indexOf(0) + 1 : 0;
  const end = body.indexOf(0, start);
  return body.toString('utf8', start, end < 0 ? body.length : end).replace(/\s+/g, ' ').trim().slice(0, 200);
}
