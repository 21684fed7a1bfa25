import net from 'node:net';

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
  flowing: boolean;
}

/**
 * A TCP proxy between the service and PostgreSQL that a test controls: it
 * can cut every connection (and refuse new ones until restored) or stall
 * them (bytes stop flowing both ways, sockets stay open), as a failover, a
 * network partition or an overloaded link would.
 */
export class FaultProxy {
  private readonly server: net.Server;
  private readonly pairs = new Set<Pair>();
  private mode: 'open' | 'cut' | 'stalled' = 'open';
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

  /** Resets every open connection and refuses new ones until `restore()`. */
  cut(): void {
    this.mode = 'cut';
    for (const pair of this.pairs) {
      pair.client.resetAndDestroy();
      pair.upstream.destroy();
    }
    this.pairs.clear();
  }

  /** Stops forwarding in both directions; connections stay open and new ones are accepted but hang. */
  stall(): void {
    this.mode = 'stalled';
    for (const pair of this.pairs) this.disconnect(pair);
  }

  restore(): void {
    this.mode = 'open';
    for (const pair of this.pairs) this.connect(pair);
  }

  get connections(): number {
    return this.pairs.size;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    if (this.mode === 'cut') {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(this.target.port, this.target.host);
    const pair: Pair = { client, upstream, flowing: false };
    this.pairs.add(pair);
    const drop = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    if (this.mode === 'open') this.connect(pair);
  }

  private connect(pair: Pair): void {
    if (pair.flowing) return;
    pair.flowing = true;
    pair.client.pipe(pair.upstream);
    pair.upstream.pipe(pair.client);
  }

  /** Unpiped and paused: pipe() would resume a merely paused stream on the next drain. */
  private disconnect(pair: Pair): void {
    pair.flowing = false;
    pair.client.unpipe(pair.upstream);
    pair.upstream.unpipe(pair.client);
    pair.client.pause();
    pair.upstream.pause();
  }
}
