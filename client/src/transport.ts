import type { ErrorBody, ErrorCode } from '../../src/common/error-catalog.js';
import { AuthClientError } from './auth-client-error.js';
import type { ClientEnvironment } from './environment.js';

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface Transport {
  /**
   * One request to the service: the cookies go along, unsafe methods carry
   * the CSRF header, and a string body is sent as JSON. An answer of any
   * status resolves; only a failure to get one throws.
   */
  request(path: string, init?: RequestInit): Promise<Response>;
}

export function createTransport(baseUrl: string, csrfHeader: string, fetch: ClientEnvironment['fetch']): Transport {
  const origin = baseUrl.replace(/\/$/, '');
  return {
    async request(path, init = {}) {
      const method = (init.method ?? 'GET').toUpperCase();
      const headers = new Headers(init.headers);
      if (UNSAFE_METHODS.has(method)) headers.set(csrfHeader, 'fetch');
      if (typeof init.body === 'string' && !headers.has('content-type')) headers.set('content-type', 'application/json');
      try {
        return await fetch(`${origin}${path}`, { ...init, method, headers, credentials: 'include' });
      } catch (cause) {
        if (init.signal?.aborted) throw new AuthClientError('aborted', 0, 'The request was aborted.', { cause });
        throw new AuthClientError('network_error', 0, 'The auth service could not be reached.', { cause });
      }
    },
  };
}

/** The service's error body, if the answer is one; read from a clone, so that the caller can still read the body. */
async function errorBody(response: Response): Promise<Partial<ErrorBody>> {
  try {
    const body = (await response.clone().json()) as Partial<ErrorBody> | null;
    return typeof body?.error === 'string' ? body : {};
  } catch {
    return {};
  }
}

export async function readErrorCode(response: Response): Promise<ErrorCode | undefined> {
  return (await errorBody(response)).error;
}

/** The error to throw for an answer that is not a success. */
export async function errorFrom(response: Response): Promise<AuthClientError> {
  const { error, message } = await errorBody(response);
  return new AuthClientError(error ?? `http_${response.status}`, response.status, message);
}

/** A success body; one that is not JSON (a proxy's page) counts as an unexpected answer. */
export async function readJson<T>(response: Response): Promise<T> {
  try {
    return (await response.json()) as T;
  } catch (cause) {
    throw new AuthClientError(`http_${response.status}`, response.status, 'The answer was not JSON.', { cause });
  }
}

/** Retry-After in milliseconds; the service sends seconds. 0 when it is absent or not a number. */
export function retryAfterMs(response: Response): number {
  const seconds = Number(response.headers.get('retry-after'));
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 0;
}
