import { TEST_ORIGIN } from './config.js';

export interface StoredCookie {
  value: string;
  path: string;
}

/** `withCookies: false` sends none of the stored cookies (the test writes its own Cookie header). */
export type RequestOptions = RequestInit & { headers?: Record<string, string>; withCookies?: boolean };

export interface Reply {
  status: number;
  headers: Headers;
  body: any;
  text: string;
  setCookies: string[];
}

/**
 * A minimal browser stand-in: keeps cookies by name, honours Max-Age=0 and
 * Path, and sends what a same-site SPA would (Origin and the CSRF header)
 * unless told otherwise. Secure cookies are sent over plain HTTP here, as
 * browsers do for localhost.
 */
export class HttpClient {
  readonly cookies = new Map<string, StoredCookie>();

  constructor(
    readonly baseUrl: string,
    private readonly defaults: { origin?: string | null; csrf?: boolean } = {},
  ) {}

  cookieValue(name: string): string | undefined {
    return this.cookies.get(name)?.value;
  }

  setCookie(name: string, value: string, path = '/'): void {
    this.cookies.set(name, { value, path });
  }

  get(path: string, init: RequestOptions = {}): Promise<Reply> {
    return this.request('GET', path, undefined, init);
  }

  post(path: string, body?: unknown, init: RequestOptions = {}): Promise<Reply> {
    return this.request('POST', path, body, init);
  }

  delete(path: string, init: RequestOptions = {}): Promise<Reply> {
    return this.request('DELETE', path, undefined, init);
  }

  async request(
    method: string,
    path: string,
    body?: unknown,
    init: RequestOptions & { rawBody?: string } = {},
  ): Promise<Reply> {
    const headers: Record<string, string> = {};
    const origin = this.defaults.origin === undefined ? TEST_ORIGIN : this.defaults.origin;
    if (origin && method !== 'GET') headers.origin = origin;
    if (this.defaults.csrf !== false && method !== 'GET') headers['x-requested-with'] = 'fetch';
    const cookieHeader = [...this.cookies.entries()]
      .filter(([, cookie]) => path === cookie.path || path.startsWith(cookie.path.endsWith('/') ? cookie.path : `${cookie.path}/`))
      .map(([name, cookie]) => `${name}=${cookie.value}`)
      .join('; ');
    if (cookieHeader && init.withCookies !== false) headers.cookie = cookieHeader;
    let payload: string | undefined = init.rawBody;
    if (body !== undefined) {
      payload = JSON.stringify(body);
    }
    if (payload !== undefined) headers['content-type'] = 'application/json';
    Object.assign(headers, init.headers ?? {});
    const response = await fetch(this.baseUrl + path, { method, headers, body: payload });
    const text = await response.text();
    const setCookies = response.headers.getSetCookie();
    for (const line of setCookies) this.store(line);
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, headers: response.headers, body: parsed, text, setCookies };
  }

  private store(line: string): void {
    const [pair, ...attributes] = line.split(';').map((part) => part.trim());
    const eq = pair!.indexOf('=');
    const name = pair!.slice(0, eq);
    const value = pair!.slice(eq + 1);
    const attribute = (key: string) =>
      attributes.find((entry) => entry.toLowerCase().startsWith(`${key.toLowerCase()}=`))?.split('=')[1];
    const maxAge = attribute('Max-Age');
    if (maxAge !== undefined && Number(maxAge) <= 0) {
      this.cookies.delete(name);
      return;
    }
    this.cookies.set(name, { value, path: attribute('Path') ?? '/' });
  }
}

/** Parses one Set-Cookie line into its name, value and attributes (keys lower-cased). */
export function parseSetCookie(line: string): { name: string; value: string; attributes: Record<string, string | true> } {
  const [pair, ...parts] = line.split(';').map((part) => part.trim());
  const eq = pair!.indexOf('=');
  const attributes: Record<string, string | true> = {};
  for (const part of parts) {
    const index = part.indexOf('=');
    if (index < 0) attributes[part.toLowerCase()] = true;
    else attributes[part.slice(0, index).toLowerCase()] = part.slice(index + 1);
  }
  return { name: pair!.slice(0, eq), value: pair!.slice(eq + 1), attributes };
}
