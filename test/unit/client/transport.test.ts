import { AuthClientError } from '../../../client/src/auth-client-error.js';
import { createTransport, errorFrom, readErrorCode, retryAfterMs } from '../../../client/src/transport.js';

/** A fetch that records what it was given and answers `answer`. */
function recordingFetch(answer: () => Promise<Response>) {
  const seen: Array<{ url: string; init: RequestInit }> = [];
  const fetch = (url: string, init: RequestInit) => {
    seen.push({ url, init });
    return answer();
  };
  return { seen, fetch };
}

const ok = () => Promise.resolve(new Response(null, { status: 204 }));

describe('transport', () => {
  test('every request carries the cookies; only unsafe methods carry the CSRF header', async () => {
    const { seen, fetch } = recordingFetch(ok);
    const transport = createTransport('https://auth.example.test/', 'X-CSRF', fetch);
    for (const method of ['GET', 'post', 'PUT', 'PATCH', 'DELETE', 'HEAD']) await transport.request('/auth/x', { method });

    expect(seen.map(({ url }) => url)).toEqual(Array(6).fill('https://auth.example.test/auth/x'));
    expect(seen.map(({ init }) => init.credentials)).toEqual(Array(6).fill('include'));
    expect(seen.map(({ init }) => [init.method, new Headers(init.headers).get('x-csrf')])).toEqual([
      ['GET', null],
      ['POST', 'fetch'],
      ['PUT', 'fetch'],
      ['PATCH', 'fetch'],
      ['DELETE', 'fetch'],
      ['HEAD', null],
    ]);
  });

  test('a string body goes as JSON unless the caller said otherwise', async () => {
    const { seen, fetch } = recordingFetch(ok);
    const transport = createTransport('https://auth.example.test', 'X-Requested-With', fetch);
    await transport.request('/a', { method: 'POST', body: '{}' });
    await transport.request('/b', { method: 'POST', body: 'x=1', headers: { 'content-type': 'text/plain' } });
    await transport.request('/c');

    expect(seen.map(({ init }) => new Headers(init.headers).get('content-type'))).toEqual(['application/json', 'text/plain', null]);
  });

  test('no answer at all is an AuthClientError: network_error, or aborted when the caller aborted', async () => {
    const failure = new TypeError('fetch failed');
    const transport = createTransport('https://auth.example.test', 'X-Requested-With', () => Promise.reject(failure));

    const error = await transport.request('/auth/me').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthClientError);
    expect(error).toMatchObject({ code: 'network_error', status: 0, cause: failure, name: 'AuthClientError' });

    const controller = new AbortController();
    controller.abort();
    await expect(transport.request('/auth/me', { signal: controller.signal })).rejects.toMatchObject({ code: 'aborted', status: 0 });
  });
});

describe('error answers', () => {
  test("the service's body gives the code and message, and stays readable for the caller", async () => {
    const response = new Response(JSON.stringify({ error: 'rate_limited', message: 'Too many attempts; retry later.' }), { status: 429 });

    expect(await readErrorCode(response)).toBe('rate_limited');
    const error = await errorFrom(response);
    expect(error).toBeInstanceOf(AuthClientError);
    expect(error).toMatchObject({ code: 'rate_limited', status: 429, message: 'Too many attempts; retry later.' });
    expect(await response.json()).toEqual({ error: 'rate_limited', message: 'Too many attempts; retry later.' });
  });

  test("an answer that is not the service's error body becomes http_<status>", async () => {
    const page = await errorFrom(new Response('<h1>Bad gateway</h1>', { status: 502 }));
    expect(page).toMatchObject({ code: 'http_502', status: 502, message: 'http_502' });
    const otherJson = await errorFrom(new Response(JSON.stringify({ error: 42 }), { status: 500 }));
    expect(otherJson.code).toBe('http_500');
    expect(await readErrorCode(new Response(null, { status: 401 }))).toBeUndefined();
  });

  test('Retry-After in seconds becomes milliseconds; anything else counts as absent', () => {
    const withRetryAfter = (value?: string) => new Response(null, { status: 503, headers: value === undefined ? {} : { 'retry-after': value } });
    expect(retryAfterMs(withRetryAfter('30'))).toBe(30_000);
    expect(retryAfterMs(withRetryAfter())).toBe(0);
    expect(retryAfterMs(withRetryAfter('Wed, 21 Oct 2037 07:28:00 GMT'))).toBe(0);
    expect(retryAfterMs(withRetryAfter('-5'))).toBe(0);
  });
});
