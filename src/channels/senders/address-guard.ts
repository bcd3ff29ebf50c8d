// The SSRF guard for webhook receivers. A webhook URL is chosen by an API user, and Flotilla runs
// next to things such a user must not reach: the cloud's metadata service (credentials), the
// host's own ports, the private network. Two checks:
// - `checkWebhookUrl` when a channel is created or changed: http(s) only, no user-info, and an
//   IP-literal host judged at once (a name cannot be judged then: DNS may change before sending);
// - `guardedLookup` at connect: the resolver handed to the socket, so the address judged is the
//   address connected to, and a name that re-binds between a check and the connect cannot slip
//   through (there is no separate check to slip between).
// Link-local and metadata addresses are refused always; loopback, private, shared (CGNAT),
// reserved and unspecified addresses only while `allowPrivateNetworks` is off.
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOptions } from 'node:dns';
import { isIP, isIPv4, isIPv6 } from 'node:net';
import { InvalidInputError } from '../../shared/errors';

export interface AddressPolicy {
  /** config `hooks.allowPrivateNetworks`: receivers on loopback and private ranges */
  allowPrivateNetworks: boolean;
}

export type AddressClass =
  | 'public'
  /** a cloud instance-metadata or platform endpoint: refused always */
  | 'metadata'
  /** 169.254.0.0/16, fe80::/10: refused always */
  | 'linkLocal'
  /** multicast, broadcast, 240.0.0.0/4: nothing to POST to; refused always */
  | 'unroutable'
  | 'loopback'
  | 'unspecified'
  | 'private'
  /** 100.64.0.0/10, carrier-grade NAT */
  | 'sharedNat'
  /** documentation, benchmarking, protocol-assignment ranges */
  | 'reserved';

const ALWAYS_REFUSED: ReadonlySet<AddressClass> = new Set(['metadata', 'linkLocal', 'unroutable']);

const DESCRIPTION: Record<AddressClass, string> = {
  public: 'a public address',
  metadata: 'a cloud metadata address',
  linkLocal: 'a link-local address',
  unroutable: 'a multicast or broadcast address',
  loopback: 'a loopback address',
  unspecified: 'the unspecified address',
  private: 'a private-network address',
  sharedNat: 'a shared (carrier-grade NAT) address',
  reserved: 'a reserved address',
};

// Instance-metadata and platform endpoints. Most sit in 169.254/16 (refused anyway); they are
// named so the message says why, and the ones outside link-local are refused only because of
// this list: Alibaba (100.100.100.200), Azure's wire server (168.63.129.16), Oracle's legacy
// endpoint (192.0.0.192), AWS over IPv6 (fd00:ec2::254, EKS pod identity fd00:ec2::23).
const METADATA = new Set([
  '169.254.169.254', // AWS, GCP, Azure, OCI, OpenStack, DigitalOcean, Hetzner …
  '169.254.170.2', // AWS ECS task metadata and credentials
  '169.254.170.23', // AWS EKS pod identity
  '100.100.100.200',
  '168.63.129.16',
  '192.0.0.192',
  'fd00:ec2:0:0:0:0:0:254',
  'fd00:ec2:0:0:0:0:0:23',
]);

/** Host names that only ever mean a metadata service; refused by name when a URL is checked. */
const METADATA_NAMES = new Set(['metadata.google.internal', 'metadata.goog', 'metadata', 'instance-data', 'instance-data.ec2.internal']);

type Range = [prefix: string, bits: number, cls: AddressClass];

const V4_RANGES: Range[] = [
  ['0.0.0.0', 8, 'unspecified'],
  ['127.0.0.0', 8, 'loopback'],
  ['10.0.0.0', 8, 'private'],
  ['172.16.0.0', 12, 'private'],
  ['192.168.0.0', 16, 'private'],
  ['100.64.0.0', 10, 'sharedNat'],
  ['169.254.0.0', 16, 'linkLocal'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'reserved'],
  ['198.18.0.0', 15, 'reserved'],
  ['198.51.100.0', 24, 'reserved'],
  ['203.0.113.0', 24, 'reserved'],
  ['224.0.0.0', 4, 'unroutable'],
  ['240.0.0.0', 4, 'unroutable'],
];

const V6_RANGES: Range[] = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['fe80::', 10, 'linkLocal'],
  ['fec0::', 10, 'private'], // site-local, deprecated but still routed inside some networks
  ['fc00::', 7, 'private'],
  ['ff00::', 8, 'unroutable'],
  ['64:ff9b:1::', 48, 'private'], // local-use NAT64
  ['100::', 64, 'reserved'], // discard-only
  ['2001::', 32, 'reserved'], // Teredo: the client address inside is obfuscated
  ['2001:db8::', 32, 'reserved'],
];

/** What kind of address `ip` is (IPv4 or IPv6 text, an IPv6 zone is ignored). */
export function classifyAddress(ip: string): AddressClass {
  return inspect(ip).cls;
}

/** Why `ip` may not be connected to under `policy`, as a sentence; undefined when it may. */
export function refusalReason(ip: string, policy: AddressPolicy): string | undefined {
  const r = refusal(ip, policy);
  return r && `${r.address} is ${r.description}${r.rule}`;
}

interface Refusal {
  /** the address, with the IPv4 address it carries when it is an IPv6 wrapping */
  address: string;
  description: string;
  /** ", which is never allowed" or "; receivers … need hooks.allowPrivateNetworks" */
  rule: string;
}

function refusal(ip: string, policy: AddressPolicy): Refusal | undefined {
  const { cls, v4 } = inspect(ip);
  if (cls === 'public') return undefined;
  const address = v4 && !isIPv4(ip) ? `${ip} (${v4})` : ip;
  if (ALWAYS_REFUSED.has(cls)) return { address, description: DESCRIPTION[cls], rule: ', which is never allowed' };
  if (policy.allowPrivateNetworks) return undefined;
  return { address, description: DESCRIPTION[cls], rule: '; receivers on loopback or private networks need hooks.allowPrivateNetworks' };
}

function inspect(ip: string): { cls: AddressClass; v4?: string } {
  const bytes = parseAddress(ip);
  if (!bytes) throw new Error(`not an IP address: ${ip}`);
  const v4 = bytes.length === 4 ? bytes : embeddedIPv4(bytes);
  const [candidate, ranges] = v4 ? [v4, V4_RANGES] : [bytes, V6_RANGES];
  const v4Text = v4 ? formatAddress(v4) : undefined;
  if (METADATA.has(formatAddress(candidate))) return { cls: 'metadata', v4: v4Text };
  for (const [prefix, bits, cls] of ranges) {
    if (inRange(candidate, parseAddress(prefix)!, bits)) return { cls, v4: v4Text };
  }
  return { cls: 'public', v4: v4Text };
}

/** A webhook URL that is malformed or not allowed (create time: a 400). */
export class WebhookUrlError extends InvalidInputError {}

/** The receiver's address is refused by the SSRF guard (at create time, or at connect). */
export class AddressRefusedError extends InvalidInputError {
  readonly code = 'EADDRREFUSED';
  constructor(
    message: string,
    readonly host: string,
    readonly address: string,
  ) {
    super(message);
  }
}

// eslint-disable-next-line no-control-regex
const CONTROL_OR_SPACE = /[\x00-\x20\x7f]/;

/**
 * The create-time check of a webhook URL; returns it parsed. Throws WebhookUrlError for a URL
 * that is not http(s), holds credentials or is malformed, AddressRefusedError for an IP-literal
 * host (or a metadata host name) the policy refuses. WHATWG parsing has already turned the odd
 * spellings of an IPv4 address (`2852039166`, `0xa9.0xfe.0xa9.0xfe`) into dotted form.
 */
export function checkWebhookUrl(input: string, policy: AddressPolicy): URL {
  if (typeof input !== 'string' || input.length === 0) throw new WebhookUrlError('webhook URL is empty');
  if (input.length > 2048) throw new WebhookUrlError('webhook URL is longer than 2048 characters');
  if (CONTROL_OR_SPACE.test(input)) throw new WebhookUrlError('webhook URL contains spaces or control characters');
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new WebhookUrlError('webhook URL is not a valid URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new WebhookUrlError(`webhook URL must be http:// or https://, not ${url.protocol}//`);
  }
  if (url.username || url.password) throw new WebhookUrlError('webhook URL must not contain a user name or password (use headers)');
  const host = hostOf(url);
  if (!host) throw new WebhookUrlError('webhook URL has no host');
  if (isIP(host)) {
    const reason = refusalReason(host, policy);
    if (reason) throw new AddressRefusedError(`webhook address refused: ${reason}`, host, host);
  } else if (METADATA_NAMES.has(host.replace(/\.$/, ''))) {
    throw new AddressRefusedError(`webhook address refused: ${host} names a cloud metadata service, which is never allowed`, host, host);
  }
  return url;
}

/** The URL's host without IPv6 brackets, lower case. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
}

/** A resolver as `dns.lookup` with `all: true` is; tests pass their own. */
export type Resolver = (hostname: string, options: LookupAllOptions, callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for `net.connect` / `http.request`: resolves the name, drops every address the
 * policy refuses, and fails with AddressRefusedError when none is left. The socket connects only
 * to what this returns. (Node skips `lookup` for IP-literal hosts; `checkWebhookUrl` covers those.)
 */
export function guardedLookup(policy: AddressPolicy, resolve: Resolver = dnsLookup): (hostname: string, options: LookupOptions, callback: LookupCallback) => void {
  return (hostname, options, callback) => {
    const { all, ...rest } = options;
    resolve(hostname, { ...rest, all: true }, (err, addresses) => {
      if (err) return callback(err, '');
      const allowed = addresses.filter((a) => !refusal(a.address, policy));
      if (allowed.length === 0) {
        const first = addresses[0]?.address ?? '';
        const r = first ? refusal(first, policy)! : undefined;
        const what = r ? `${r.address}, ${r.description}${r.rule}` : 'no address';
        return callback(new AddressRefusedError(`webhook address refused: ${hostname} resolves to ${what}`, hostname, first), '');
      }
      if (all) callback(null, allowed);
      else callback(null, allowed[0].address, allowed[0].family);
    });
  };
}

// --- address arithmetic ---------------------------------------------------------------------

function parseAddress(text: string): Uint8Array | undefined {
  const ip = text.replace(/%.*$/, '');
  if (isIPv4(ip)) return Uint8Array.from(ip.split('.').map(Number));
  if (!isIPv6(ip)) return undefined;
  let head = ip;
  const tail: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(ip);
  if (dotted) {
    const [a, b, c, d] = dotted[1].split('.').map(Number);
    tail.push((a << 8) | b, (c << 8) | d);
    head = ip.slice(0, -dotted[1].length).replace(/:$/, ip.endsWith('::' + dotted[1]) ? ':' : '');
  }
  const [left, right] = head.includes('::') ? head.split('::') : [head, undefined];
  const words = (s: string) => (s ? s.split(':').map((w) => parseInt(w, 16)) : []);
  const l = words(left);
  const r = right === undefined ? [] : words(right);
  const fill = right === undefined ? 0 : 8 - l.length - r.length - tail.length;
  const all = [...l, ...new Array<number>(fill).fill(0), ...r, ...tail];
  const bytes = new Uint8Array(16);
  all.forEach((w, i) => {
    bytes[2 * i] = w >> 8;
    bytes[2 * i + 1] = w & 0xff;
  });
  return bytes;
}

/** The IPv4 address an IPv6 address carries and routes to: mapped, NAT64, 6to4, compatible. */
function embeddedIPv4(b: Uint8Array): Uint8Array | undefined {
  const zeros = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  if (zeros(0, 10) && b[10] === 0xff && b[11] === 0xff) return b.slice(12); // ::ffff:a.b.c.d
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zeros(4, 12)) return b.slice(12); // 64:ff9b::/96
  if (b[0] === 0x20 && b[1] === 0x02) return b.slice(2, 6); // 2002::/16, 6to4
  if (zeros(0, 12) && !zeros(12, 15)) return b.slice(12); // ::a.b.c.d (deprecated), not :: or ::1
  return undefined;
}

function inRange(addr: Uint8Array, prefix: Uint8Array, bits: number): boolean {
  if (addr.length !== prefix.length) return false;
  for (let i = 0; i < bits; i += 8) {
    const take = Math.min(8, bits - i);
    const mask = (0xff << (8 - take)) & 0xff;
    if ((addr[i / 8] & mask) !== (prefix[i / 8] & mask)) return false;
  }
  return true;
}

function formatAddress(b: Uint8Array): string {
  if (b.length === 4) return b.join('.');
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((b[i] << 8) | b[i + 1]).toString(16));
  return words.join(':');
}
