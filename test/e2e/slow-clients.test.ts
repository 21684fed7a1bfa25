import net from 'node:net';
import { startTestApp, type TestApp } from '../helpers/app.js';

// Slow and greedy clients: a request must arrive whole within
// HTTP_REQUEST_TIMEOUT_MS (answered 408 in the error shape, socket closed),
// and one IP cannot hold more than HTTP_MAX_CONNECTIONS_PER_IP sockets.
let t: TestApp;
let port: number;

beforeAll(async () => {
  t = await startTestApp({ env: { HTTP_REQUEST_TIMEOUT_MS: '1000', HTTP_IDLE_TIMEOUT_MS: '3000', HTTP_MAX_CONNECTIONS_PER_IP: '5' } });
  port = Number(new URL(t.baseUrl).port);
});
afterAll(() => t?.close());

interface RawExchange {
  received: string;
  closedAfterMs: number;
}

/** Opens a socket, lets `talk` write to it, and resolves with all it received once the server closes it. */
function exchange(talk: (socket: net.Socket) => void, giveUpMs = 10_000): Promise<RawExchange> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1', () => talk(socket));
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the socket open for ${giveUpMs} ms; received: ${received}`));
    }, giveUpMs);
    socket.on('data', (chunk) => {
      received += chunk.toString('utf8');
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ received, closedAfterMs: Date.now() - started });
    });
  });
}

function bodyOf(raw: string): unknown {
  return JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4));
}

test('a body that never finishes arriving: 408 request_timeout in the error shape, then the socket is closed', async () => {
  const result = await exchange((socket) => {
    socket.write('POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"em');
  });
  expect(result.received).toMatch(/^HTTP\/1\.1 408 /);
  expect(bodyOf(result.received)).toEqual({ error: 'request_timeout', message: expect.any(String) });
  expect(result.closedAfterMs).toBeLessThan(5000);
});

test('headers trickling in one byte at a time are cut off too', async () => {
  let trickle: NodeJS.Timeout | undefined;
  const result = await exchange((socket) => {
    const request = 'GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'a'.repeat(200);
    let index = 0;
    trickle = setInterval(() => {
      if (socket.writable && index < request.length) socket.write(request[index++]!);
    }, 200);
  });
  clearInterval(trickle);
  expect(result.received).toMatch(/^HTTP\/1\.1 408 /);
  expect(result.closedAfterMs).toBeLessThan(5000);
});

test('one IP holding more sockets than HTTP_MAX_CONNECTIONS_PER_IP: the extra one is closed at once, the others still work', async () => {
  const held = await Promise.all(
    Array.from({ length: 5 }, () => new Promise<net.Socket>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
    })),
  );
  try {
    const extra = await exchange(() => undefined, 3000);
    expect(extra.received).toBe('');
    expect(extra.closedAfterMs).toBeLessThan(1000);

    const answer = await new Promise<string>((resolve) => {
      let text = '';
      held[0]!.on('data', (chunk) => {
        text += chunk.toString('utf8');
        if (text.includes('\r\n\r\n')) resolve(text);
      });
      held[0]!.write('GET /.well-known/jwks.json HTTP/1.1\r\nHost: x\r\n\r\n');
    });
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
  } finally {
    for (const socket of held) socket.destroy();
  }
});
