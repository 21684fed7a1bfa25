import http from 'node:http';

export interface RawRequest {
  method: string;
  /** Sent exactly as given: no normalisation of dot segments or percent-escapes (unlike fetch and URL). */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

export interface RawReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The parsed JSON body, or undefined when there is none or it is not JSON. */
  body: unknown;
}

/**
 * An HTTP client that sends the path and body bytes it is given, for
 * generated input that fetch would rewrite or refuse (a lone surrogate's
 * bytes in a path, `..` segments, a body that is not valid UTF-8).
 */
export class RawHttp {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  private readonly target: URL;

  constructor(baseUrl: string) {
    this.target = new URL(baseUrl);
  }

  send(request: RawRequest, timeoutMs = 15_000): Promise<RawReply> {
    const headers = { ...request.headers };
    if (request.body !== undefined) headers['content-length'] = String(request.body.length);
    return new Promise<RawReply>((resolve, reject) => {
      const outgoing = http.request(
        {
          host: this.target.hostname,
          port: Number(this.target.port),
          method: request.method,
          path: request.path,
          headers,
          agent: this.agent,
          timeout: timeoutMs,
        },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.on('error', reject);
          incoming.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let body: unknown;
            try {
              body = text ? JSON.parse(text) : undefined;
            } catch {
              body = undefined;
            }
            resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, text, body });
          });
        },
      );
      outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      outgoing.on('error', reject);
      outgoing.end(request.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
