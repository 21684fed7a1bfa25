import ipaddr from 'ipaddr.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppConfig } from '../../src/config/app-config.js';
import { addressAllowed, allowedAddresses, PushAddressPolicy, PushAddressRefused, type Resolver } from '../../src/shared-signals/push-address-policy.js';
import { PushTransport } from '../../src/shared-signals/push-transport.js';

const PUBLIC_ONLY = { allowedNetworks: [], allowLoopback: false };

describe('which addresses a push may reach', () => {
  test.each(['8.8.8.8', '93.184.216.34', '2606:4700::1111', '::ffff:8.8.8.8'])('%s is public: allowed', (address) => {
    expect(addressAllowed(address, PUBLIC_ONLY)).toBe(true);
  });

  test.each([
    '127.0.0.1',
    '::1',
    '10.0.0.1',
    '172.16.5.4',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '255.255.255.255',
    '224.0.0.1',
    '192.0.2.1',
    'fd00::1',
    'fe80::1',
    '::ffff:10.0.0.1',
    '2002:a00:1::1',
    '64:ff9b::a00:1',
    'not an address',
  ])('%s is not public: refused in production', (address) => {
    expect(addressAllowed(address, PUBLIC_ONLY)).toBe(false);
  });

  test('an allow-listed network is allowed; loopback only when loopback is (NODE_ENV=test)', () => {
    const rules = { allowedNetworks: [ipaddr.parseCIDR('10.20.0.0/16')], allowLoopback: false };
    expect(addressAllowed('10.20.3.4', rules)).toBe(true);
    expect(addressAllowed('10.21.3.4', rules)).toBe(false);
    expect(addressAllowed('::ffff:10.20.3.4', rules)).toBe(true);
    expect(addressAllowed('127.0.0.1', { ...PUBLIC_ONLY, allowLoopback: true })).toBe(true);
    expect(addressAllowed('10.0.0.1', { ...PUBLIC_ONLY, allowLoopback: true })).toBe(false);
  });

  test('a name is checked on every address it resolves to: one private answer refuses it whole', async () => {
    const resolve: Resolver = async (name) => (name === 'mixed.example' ? ['93.184.216.34', '10.0.0.7'] : ['93.184.216.34']);
    await expect(allowedAddresses('public.example', PUBLIC_ONLY, resolve)).resolves.toEqual(['93.184.216.34']);
    await expect(allowedAddresses('mixed.example', PUBLIC_ONLY, resolve)).rejects.toBeInstanceOf(PushAddressRefused);
    await expect(allowedAddresses('[::1]', PUBLIC_ONLY, resolve)).rejects.toBeInstanceOf(PushAddressRefused);
    await expect(allowedAddresses('gone.example', PUBLIC_ONLY, () => Promise.reject(new Error('ENOTFOUND')))).rejects.toThrow('does not resolve');
  });
});

/** A policy whose DNS is the test's: each lookup takes the next answer. */
class ScriptedPolicy extends PushAddressPolicy {
  constructor(config: AppConfig, answers: string[][]) {
    super(config);
    this.resolve = async () => answers.shift() ?? [];
  }
}

function config(overrides: Partial<AppConfig['sharedSignals']> = {}): AppConfig {
  return {
    sharedSignals: { pushAllowedNetworks: [], pushAllowsLoopback: true, pushRequiresHttps: false, pushTimeoutMs: 2000, ...overrides },
  } as unknown as AppConfig;
}

describe('delivery connects to the address it checked (DNS rebinding)', () => {
  test('the push goes to the checked address with the name only as Host: a name the system cannot even resolve is reached', async () => {
    const seen: Array<string | undefined> = [];
    const server = createServer((request, response) => {
      seen.push(request.headers.host);
      response.writeHead(202).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const transport = new PushTransport(new ScriptedPolicy(config(), [['127.0.0.1']]), config());
      await expect(transport.push(`http://receiver.invalid:${port}/events`, null, 'a.b.c')).resolves.toEqual({ delivered: true });
      expect(seen).toEqual([`receiver.invalid:${port}`]);
    } finally {
      server.close();
    }
  });

  test('a name that resolved to a public address when the stream was made, and to a private one now, is not pushed to', async () => {
    const policy = new ScriptedPolicy(config({ pushAllowsLoopback: false }), [['93.184.216.34'], ['169.254.169.254']]);
    await expect(policy.checkEndpoint('https://rebinding.example/events')).resolves.toBeInstanceOf(URL);
    const outcome = await new PushTransport(policy, config()).push('https://rebinding.example/events', null, 'a.b.c');
    expect(outcome).toEqual({ delivered: false, error: expect.stringMatching(/^refused: /) });
  });

  test('production takes https only, and never credentials in the URL', async () => {
    const policy = new ScriptedPolicy(config({ pushAllowsLoopback: false, pushRequiresHttps: true }), [['93.184.216.34'], ['93.184.216.34']]);
    await expect(policy.checkEndpoint('http://receiver.example/events')).rejects.toThrow('must be an https URL');
    await expect(policy.checkEndpoint('https://user:pw@receiver.example/events')).rejects.toThrow('credentials');
    await expect(policy.checkEndpoint('https://receiver.example/events')).resolves.toBeInstanceOf(URL);
  });
});
