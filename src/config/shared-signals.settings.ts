import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { documented, integer } from './setting-types.js';

/** One range of SSF_PUSH_ALLOWED_NETWORKS, as ipaddr.js matches it. */
export type NetworkRange = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** CIDR ranges, comma-separated; a bare address is a range of one. */
const networkList = z.string().transform((value, ctx): NetworkRange[] => {
  const ranges: NetworkRange[] = [];
  for (const entry of value.split(',').map((part) => part.trim()).filter(Boolean)) {
    try {
      ranges.push(entry.includes('/') ? ipaddr.parseCIDR(entry) : [ipaddr.parse(entry), entry.includes(':') ? 128 : 32]);
    } catch {
      ctx.addIssue({ code: 'custom', message: `"${entry}" is not an IP address or CIDR range such as 10.20.0.0/16` });
      return z.NEVER;
    }
  }
  return ranges;
});

/** The settings of the Shared Signals transmitter (docs/shared-signals.md), in the schema's order. */
export const sharedSignalsSettings = {
  SSF_PUSH_ALLOWED_NETWORKS: documented(networkList.optional(), {
    doc: 'non-public networks that push deliveries may reach, as CIDR ranges (`10.20.0.0/16,fd12::/16`). Otherwise a push endpoint must resolve to public addresses only: loopback, private, link-local (cloud metadata), shared (CGNAT), multicast and reserved ranges are refused when a stream is created and again at every delivery, on the address actually connected to; `NODE_ENV=test` also allows loopback',
    defaultDoc: 'unset: public addresses only',
  }),
  SSF_PUSH_MAX_ATTEMPTS: documented(integer(1, 100).default(12), {
    doc: 'push attempts per event before it is dead-lettered (kept for ops, listed by `GET /admin/ssf/streams/:id/dead-letters`, re-queued on request)',
  }),
  SSF_PUSH_RETRY_BASE_MS: documented(integer(100, 600_000).default(2000), {
    doc: 'the wait after a first failed push; each further failure doubles it, up to 30 min, less a random jitter of up to half (the defaults give up after about an hour)',
  }),
  SSF_PUSH_TIMEOUT_MS: documented(integer(500, 60_000).default(5000), {
    doc: 'a receiver must answer a push within this, or the attempt fails',
  }),
  SSF_POLL_MAX_WAIT_SECONDS: documented(integer(0, 300).optional(), {
    doc: 'the longest a poll (RFC 8936, without `returnImmediately`) waits for an event before answering empty; at least 5 s below `HTTP_IDLE_TIMEOUT_MS`, which would otherwise cut the waiting poll',
    defaultDoc: '`20`, less with an `HTTP_IDLE_TIMEOUT_MS` under 25 s',
  }),
  SSF_EVENT_RETENTION_DAYS: documented(integer(1, 365).default(7), {
    doc: 'events still undelivered (waiting, or dead-lettered) after this long are purged, with a log line per stream; delivered events are purged a day after delivery',
  }),
  SSF_STREAM_INACTIVITY_DAYS: documented(integer(0, 365).default(1), {
    doc: "a stream whose receiver has shown no sign of life (a poll, a management or verification call, a push it accepted) for this long is deleted by the purge, with its events (`0`: never); said in each stream's `inactivity_timeout`",
  }),
};
