import { Injectable } from '@nestjs/common';
import ipaddr from 'ipaddr.js';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { AppConfig } from '../config/app-config.js';
import type { NetworkRange } from '../config/shared-signals.settings.js';

export interface PushAddressRules {
  allowedNetworks: readonly NetworkRange[];
  allowLoopback: boolean;
}

/** Why a push endpoint is refused: said to the receiver that asked for it, never with a resolved address. */
export class PushAddressRefused extends Error {}

export type Resolver = (hostname: string) => Promise<string[]>;

const systemResolver: Resolver = async (hostname) => (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

/**
 * Whether the service may connect to this address to push events: public
 * unicast only, unless the network is allow-listed (or it is loopback and
 * loopback is allowed). Private, link-local (cloud metadata at
 * 169.254.169.254), shared (CGNAT), multicast, reserved and every IPv6 range
 * that embeds IPv4 (6to4, NAT64, Teredo) fail: ipaddr.js names them all.
 */
export function addressAllowed(address: string, rules: PushAddressRules): boolean {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.process(address);
  } catch {
    return false;
  }
  if (rules.allowedNetworks.some(([network, bits]) => network.kind() === parsed.kind() && parsed.match(network, bits))) return true;
  const range = parsed.range();
  return range === 'unicast' || (rules.allowLoopback && range === 'loopback');
}

/**
 * The addresses a push to `hostname` may connect to, every one of them
 * checked: a name that resolves to any refused address is refused whole
 * (a rebinding name would otherwise pass on one answer and connect on another).
 */
export async function allowedAddresses(hostname: string, rules: PushAddressRules, resolve: Resolver = systemResolver): Promise<string[]> {
  const host = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  let addresses: string[];
  if (isIP(host)) {
    addresses = [host];
  } else {
    try {
      addresses = await resolve(host);
    } catch {
      throw new PushAddressRefused(`the host ${host} does not resolve`);
    }
  }
  if (addresses.length === 0) throw new PushAddressRefused(`the host ${host} does not resolve`);
  if (!addresses.every((address) => addressAllowed(address, rules))) {
    throw new PushAddressRefused(
      'the host resolves to an address that pushes may not reach (loopback, private, link-local or another non-public range); allow its network with SSF_PUSH_ALLOWED_NETWORKS',
    );
  }
  return addresses;
}

/**
 * The push-endpoint rules of the configuration (SSF_PUSH_ALLOWED_NETWORKS),
 * applied when a stream is created or changed and again before every
 * delivery, to the address the delivery then connects to.
 */
@Injectable()
export class PushAddressPolicy {
  private readonly rules: PushAddressRules;
  /** The system's DNS; tests give names of their own. */
  protected resolve: Resolver = systemResolver;

  constructor(private readonly config: AppConfig) {
    this.rules = { allowedNetworks: config.sharedSignals.pushAllowedNetworks, allowLoopback: config.sharedSignals.pushAllowsLoopback };
  }

  /** The endpoint as a URL, or PushAddressRefused saying why not. */
  async checkEndpoint(endpoint: string): Promise<URL> {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw new PushAddressRefused('is not an absolute URL');
    }
    const schemes = this.config.sharedSignals.pushRequiresHttps ? ['https:'] : ['https:', 'http:'];
    if (!schemes.includes(url.protocol)) throw new PushAddressRefused(`must be an ${schemes.map((scheme) => scheme.slice(0, -1)).join(' or ')} URL`);
    if (url.username || url.password) throw new PushAddressRefused('must not carry credentials: send them as authorization_header');
    if (url.hash) throw new PushAddressRefused('must not have a fragment');
    await this.addressesFor(url.hostname);
    return url;
  }

  addressesFor(hostname: string): Promise<string[]> {
    return allowedAddresses(hostname, this.rules, this.resolve);
  }
}
