// The SSRF guard for webhook receivers. A webhook URL is chosen by an API user, and Flotilla runs
// next to things such a user must not reach: the cloud's metadata service (credentials), the
// host's own ports, the private network. Two checks:
// - `checkWebhookUrl` when a channel is created or changed: http(s) only, no user-info, and an
//   IP-literal host judged at once (a name cannot be judged then: DNS may change before sending);
// - `guardedLookup` at connect: the resolver handed to the socket, so the address judged is the
//   address connected to, and a name that re-binds between a check and the connect cannot slip
//   through (there is no separate check to slip between).
// Link-local and metadata addresses are refused always; loopback, private, shared (CGNAT),
// reserved and unspecified addresses only while `allowPrivateNetworks` is off. An IPv6 address
// that carries an IPv4 address (mapped, compatible, translated, NAT64, 6to4, Teredo) is judged by
// the IPv4 address inside. Parsing and prefix matching are ipaddr.js's; the policy is here.
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOptions } from 'node:dns';
import { isIP, isIPv4, isIPv6 } from 'node:net';
import ipaddr from 'ipaddr.js';
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

// Judged by the address inside instead (see embeddedIPv4): ::ffff:0:0/96, ::ffff:0:0:0/96, ::/96,
// 64:ff9b::/96, 64:ff9b:1::/48 (private when what it carries is public), 2002::/16, 2001::/32
// (reserved when what it carries is public).
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
  ['100::', 64, 'reserved'], // discard-only
  ['2001:db8::', 32, 'reserved'],
];

/** The ranges of one family as ipaddr.js's range list: class → [network, prefix length][]. */
function rangeList(ranges: Range[]): Record<string, [ipaddr.IPv4 | ipaddr.IPv6, number][]> {
  const list: Record<string, [ipaddr.IPv4 | ipaddr.IPv6, number][]> = {};
  for (const [prefix, bits, cls] of ranges) (list[cls] ??= []).push([ipaddr.parse(prefix), bits]);
  return list;
}

const V4_LIST = rangeList(V4_RANGES);
const V6_LIST = rangeList(V6_RANGES);
const METADATA_ADDRESSES = new Set([...METADATA].map((a) => ipaddr.parse(a).toString()));

/** From the most to the least dangerous: which class an address with several readings gets. */
const SEVERITY: readonly AddressClass[] = ['metadata', 'linkLocal', 'unroutable', 'loopback', 'private', 'sharedNat', 'reserved', 'unspecified', 'public'];

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

/** The class of `ip`, and the IPv4 address it was judged by when it is an IPv6 wrapping of one. */
function inspect(ip: string): { cls: AddressClass; v4?: string } {
  const addr = parseAddress(ip);
  if (!addr) throw new Error(`not an IP address: ${ip}`);
  if (addr.kind() === 'ipv4') return { cls: classOf(addr) };
  const embedded = embeddedIPv4(addr as ipaddr.IPv6);
  if (!embedded) return { cls: classOf(addr) };
  // The most dangerous reading decides (the wrapping's own class counts as one). On a tie, a
  // reading whose other bits are as its form wants them names the IPv4 address in the message.
  const candidates = [
    ...embedded.readings.map(({ v4, wellFormed }) => ({ cls: classOf(v4), v4: v4.toString(), rank: wellFormed ? 0 : 1 })),
    ...(embedded.otherwise ? [{ cls: embedded.otherwise, v4: undefined, rank: 2 }] : []),
  ];
  const [judged] = candidates.sort((a, b) => SEVERITY.indexOf(a.cls) - SEVERITY.indexOf(b.cls) || a.rank - b.rank);
  return { cls: judged.cls, v4: judged.v4 };
}

function classOf(addr: ipaddr.IPv4 | ipaddr.IPv6): AddressClass {
  if (METADATA_ADDRESSES.has(addr.toString())) return 'metadata';
  return ipaddr.subnetMatch(addr, addr.kind() === 'ipv4' ? V4_LIST : V6_LIST, 'public') as AddressClass;
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

// --- addresses ------------------------------------------------------------------------------

/** Node's own test of what an IP address is (no `0x7f.1`, no `127.1`), then ipaddr.js parses it. */
function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const ip = text.replace(/%.*$/, '');
  if (isIPv4(ip)) return ipaddr.IPv4.parse(ip);
  if (isIPv6(ip)) return ipaddr.IPv6.parse(ip);
  return undefined;
}

const cidr = (text: string) => ipaddr.IPv6.parseCIDR(text);
const MAPPED = cidr('::ffff:0:0/96'); // RFC 4291
const TRANSLATED = cidr('::ffff:0:0:0/96'); // RFC 2765, RFC 6145 (SIIT)
const COMPATIBLE = cidr('::/96'); // RFC 4291, deprecated
const OWN_IN_COMPATIBLE = cidr('::/127'); // :: and ::1, IPv6's own
const NAT64 = cidr('64:ff9b::/96'); // RFC 6052, the well-known prefix (always a /96)
const LOCAL_NAT64 = cidr('64:ff9b:1::/48'); // RFC 8215, local use
const SIX_TO_FOUR = cidr('2002::/16'); // RFC 3056
const TEREDO = cidr('2001::/32'); // RFC 4380

interface Reading {
  v4: ipaddr.IPv4;
  /** the bits around it are as the form says they are (RFC 6052: the "u" octet and the suffix zero) */
  wellFormed: boolean;
}

/**
 * The IPv4 address an IPv6 address carries and routes (or is translated) to. `readings`: where it
 * sits depends on the form; a local-use NAT64 prefix may be /48, /56, /64 or /96 long, and RFC
 * 6052 puts the IPv4 address elsewhere for each, so every place is read and judged.
 * `otherwise`: the wrapping's own class, which counts when it is more dangerous than every reading.
 */
function embeddedIPv4(addr: ipaddr.IPv6): { readings: Reading[]; otherwise?: AddressClass } | undefined {
  const b = addr.toByteArray();
  const zero = (...i: number[]) => i.every((k) => b[k] === 0);
  const at = (bytes: number[], wellFormed = true): Reading => ({ v4: new ipaddr.IPv4(bytes.map((k) => b[k])), wellFormed });
  const last32 = () => at([12, 13, 14, 15]);
  if (addr.match(MAPPED) || addr.match(TRANSLATED) || addr.match(NAT64)) return { readings: [last32()] };
  if (addr.match(COMPATIBLE) && !addr.match(OWN_IN_COMPATIBLE)) return { readings: [last32()] };
  if (addr.match(LOCAL_NAT64)) {
    // /96: bits 96-127; /64: 72-103; /56: 56-63 and 72-95; /48: 48-63 and 72-87 (bits 64-71 are the "u" octet)
    const shorter = [at([9, 10, 11, 12], zero(8, 13, 14, 15)), at([7, 9, 10, 11], zero(8, 12, 13, 14, 15)), at([6, 7, 9, 10], zero(8, 11, 12, 13, 14, 15))];
    // a /96 prefix has no zero bits to check: its reading fits when none of the others does
    return { readings: [at([12, 13, 14, 15], !shorter.some((r) => r.wellFormed)), ...shorter], otherwise: 'private' };
  }
  if (addr.match(SIX_TO_FOUR)) return { readings: [at([2, 3, 4, 5])] };
  if (addr.match(TEREDO)) {
    // the client's address, obfuscated: the last 32 bits XOR 0xffffffff (bits 32-63 are the Teredo server's)
    return { readings: [{ v4: new ipaddr.IPv4(b.slice(12).map((x) => x ^ 0xff)), wellFormed: true }], otherwise: 'reserved' };
  }
  return undefined;
}
