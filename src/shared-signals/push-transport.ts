import { Injectable } from '@nestjs/common';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { AppConfig } from '../config/app-config.js';
import { PushAddressPolicy, PushAddressRefused } from './push-address-policy.js';

export type PushOutcome = { delivered: true } | { delivered: false; error: string };

/** Enough of an error answer to read RFC 8935's `{"err": ...}`; the rest is not read. */
const MAX_ANSWER_BYTES = 4096;
const ERROR_CODE = /^[a-z_]{1,64}$/;

/** What the receiver said, in one short line: its RFC 8935 error code when it gave one. */
async function describeRefusal(response: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of response) {
    body += String(chunk);
    if (body.length >= MAX_ANSWER_BYTES) break;
  }
  response.destroy();
  try {
    const err = (JSON.parse(body) as { err?: unknown }).err;
    if (typeof err === 'string' && ERROR_CODE.test(err)) return `HTTP ${response.statusCode} ${err}`;
  } catch {
    // Not the RFC's error shape: the status says enough.
  }
  return `HTTP ${response.statusCode}`;
}

/**
 * RFC 8935 push: one SET per POST, `application/secevent+jwt`, success is
 * any 2xx (the RFC says 202). The connection goes to an address checked
 * just before it by PushAddressPolicy (the hostname is only the TLS server
 * name and the Host header), so that DNS cannot answer one address to the
 * check and another to the connection. Redirects are not followed.
 */
@Injectable()
export class PushTransport {
  constructor(
    private readonly addresses: PushAddressPolicy,
    private readonly config: AppConfig,
  ) {}

  async push(endpoint: string, authorization: string | null, set: string): Promise<PushOutcome> {
    const url = new URL(endpoint);
    let address: string;
    try {
      [address] = (await this.addresses.addressesFor(url.hostname)) as [string];
    } catch (error) {
      if (error instanceof PushAddressRefused) return { delivered: false, error: `refused: ${error.message}` };
      throw error;
    }
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const body = Buffer.from(set);
    return new Promise<PushOutcome>((resolve) => {
      const request = send(
        {
          host: address,
          port: url.port || undefined,
          path: `${url.pathname}${url.search}`,
          method: 'POST',
          servername: url.hostname.startsWith('[') ? undefined : url.hostname,
          headers: {
            host: url.host,
            'content-type': 'application/secevent+jwt',
            accept: 'application/json',
            'content-length': body.length,
            ...(authorization ? { authorization } : {}),
          },
          agent: false,
          signal: AbortSignal.timeout(this.config.sharedSignals.pushTimeoutMs),
        },
        (response) => {
          const status = response.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            response.resume();
            resolve({ delivered: true });
            return;
          }
          describeRefusal(response).then(
            (error) => resolve({ delivered: false, error }),
            () => resolve({ delivered: false, error: `HTTP ${status}` }),
          );
        },
      );
      request.on('error', (error: Error & { code?: string }) => {
        resolve({ delivered: false, error: error.name === 'AbortError' ? 'no answer in time' : (error.code ?? error.message) });
      });
      request.end(body);
    });
  }
}
