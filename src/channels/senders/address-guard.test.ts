import { describe, expect, it } from 'vitest';
import { ipv6FormsOf } from '../../../test/support/embedded-ipv4';
import { AddressRefusedError, checkWebhookUrl, classifyAddress, guardedLookup, refusalReason, WebhookUrlError, type Resolver } from './address-guard';

const strict = { allowPrivateNetworks: false };
const lenient = { allowPrivateNetworks: true };

describe('classifyAddress', () => {
  it.each([
    ['169.254.169.254', 'metadata'],
    ['169.254.170.2', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['168.63.129.16', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['FD00:0EC2:0:0::254', 'metadata'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:a9fe:a9fe', 'metadata'],
    ['64:ff9b::169.254.169.254', 'metadata'],
    ['2002:a9fe:a9fe::1', 'metadata'],
    ['169.254.1.1', 'linkLocal'],
    ['fe80::1', 'linkLocal'],
    ['fe80::1%eth0', 'linkLocal'],
    ['febf::1', 'linkLocal'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['100.64.0.1', 'sharedNat'],
    ['100.127.255.255', 'sharedNat'],
    ['224.0.0.1', 'unroutable'],
    ['255.255.255.255', 'unroutable'],
    ['ff02::1', 'unroutable'],
    ['192.0.2.10', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['8.8.8.8', 'public'],
    ['172.32.0.1', 'public'],
    ['100.128.0.1', 'public'],
    ['169.255.0.1', 'public'],
    ['2606:4700::1111', 'public'],
    ['::ffff:8.8.8.8', 'public'],
  ])('%s is %s', (ip, cls) => {
    expect(classifyAddress(ip)).toBe(cls);
  });
});

describe('IPv6 forms that carry an IPv4 address are judged by that address', () => {
  const targets = [
    ['127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['192.168.1.10', 'private'],
    ['169.254.10.20', 'linkLocal'],
    ['169.254.169.254', 'metadata'],
  ] as const;
  const cases = targets.flatMap(([v4, cls]) => ipv6FormsOf(v4).map(({ form, address }) => ({ v4, cls, form, address })));

  it.each(cases)('$form of $v4 ($address) is $cls', ({ v4, cls, address }) => {
    expect(classifyAddress(address)).toBe(cls);
    // the reason names the IPv4 address inside, and the rule that refuses it
    const always = cls === 'linkLocal' || cls === 'metadata';
    const reason = refusalReason(address, always ? lenient : strict);
    expect(reason).toContain(`(${v4})`);
    expect(reason).toMatch(always ? /never allowed/ : /hooks\.allowPrivateNetworks/);
    if (!always) expect(refusalReason(address, lenient)).toBeUndefined();
    // in a URL, after WHATWG parsing has rewritten the address (dotted tails become hex)
    expect(() => checkWebhookUrl(`http://[${address}]:8080/hook`, always ? lenient : strict)).toThrow(AddressRefusedError);
    expect(() => checkWebhookUrl(`http://[${address}]:8080/hook`, always ? lenient : strict)).toThrow(v4);
  });

  it('the issue’s example, http://[::ffff:0:7f00:1]/, is a loopback address', () => {
    expect(classifyAddress('::ffff:0:7f00:1')).toBe('loopback');
    expect(() => checkWebhookUrl('http://[::ffff:0:7f00:1]/', strict)).toThrow(/::ffff:0:7f00:1 \(127\.0\.0\.1\) is a loopback address/);
  });

  it('a public IPv4 address inside keeps its class; local-use NAT64 stays private and Teredo reserved', () => {
    const classes = Object.fromEntries(ipv6FormsOf('8.8.8.8').map(({ form, address }) => [form, classifyAddress(address)]));
    for (const [form, cls] of Object.entries(classes)) {
      expect(cls, form).toBe(form.startsWith('local NAT64') ? 'private' : form.startsWith('Teredo') ? 'reserved' : 'public');
    }
  });

  it('resolved addresses are judged the same way at connect', async () => {
    const resolve: Resolver = (_host, _options, callback) =>
      callback(null, [
        { address: '::ffff:0:a9fe:a9fe', family: 6 },
        { address: '2001:0:4136:e378:8000:63bf:80ff:fffe', family: 6 },
      ]);
    const lookup = (policy: typeof strict) =>
      new Promise<unknown>((ok, fail) => guardedLookup(policy, resolve)('hooks.example.test', { all: true }, (err, address) => (err ? fail(err) : ok(address))));
    await expect(lookup(strict)).rejects.toThrow(/::ffff:0:a9fe:a9fe \(169\.254\.169\.254\), a cloud metadata address/);
    expect(await lookup(lenient)).toEqual([{ address: '2001:0:4136:e378:8000:63bf:80ff:fffe', family: 6 }]); // Teredo to 127.0.0.1: a loopback receiver, allowed here
  });
});

describe('refusalReason', () => {
  it('refuses link-local and metadata addresses even when private networks are allowed', () => {
    expect(refusalReason('169.254.169.254', lenient)).toMatch(/cloud metadata address, which is never allowed/);
    expect(refusalReason('fe80::1', lenient)).toMatch(/link-local/);
    expect(refusalReason('fd00:ec2::254', lenient)).toMatch(/metadata/);
  });

  it('refuses loopback, private, shared and unspecified addresses unless allowed', () => {
    for (const ip of ['127.0.0.1', '::1', '10.0.0.1', '192.168.0.1', '100.64.1.1', '0.0.0.0', 'fd00::1']) {
      expect(refusalReason(ip, strict)).toMatch(/hooks\.allowPrivateNetworks/);
      expect(refusalReason(ip, lenient)).toBeUndefined();
    }
    expect(refusalReason('8.8.8.8', strict)).toBeUndefined();
  });
});

describe('checkWebhookUrl', () => {
  it.each([
    'http://169.254.169.254/latest/meta-data/',
    'http://2852039166/',
    'http://0xa9.0xfe.0xa9.0xfe/',
    'http://[::ffff:169.254.169.254]/',
    'http://[fd00:ec2::254]/',
    'http://100.100.100.200/',
    'http://metadata.google.internal/computeMetadata/v1/',
  ])('refuses %s always', (url) => {
    expect(() => checkWebhookUrl(url, lenient)).toThrow(AddressRefusedError);
  });

  it('refuses loopback and private literals unless allowed, and judges names only at connect', () => {
    expect(() => checkWebhookUrl('http://127.0.0.1:9000/hook', strict)).toThrow(/allowPrivateNetworks/);
    expect(() => checkWebhookUrl('http://[::1]:9000/hook', strict)).toThrow(AddressRefusedError);
    expect(checkWebhookUrl('http://127.0.0.1:9000/hook', lenient).port).toBe('9000');
    expect(checkWebhookUrl('http://localhost:9000/hook', strict).hostname).toBe('localhost');
  });

  it.each([
    ['ftp://hooks.example.com/', /http:\/\/ or https:\/\//],
    ['file:///etc/passwd', /http:\/\/ or https:\/\//],
    ['gopher://hooks.example.com/', /http:\/\/ or https:\/\//],
    ['https://user:pass@hooks.example.com/', /user name or password/],
    ['https://hooks.example.com/a b', /spaces/],
    ['not a url', /spaces/],
    ['hooks.example.com/path', /not a valid URL/],
    ['', /empty/],
  ])('refuses %s', (url, message) => {
    expect(() => checkWebhookUrl(url, lenient)).toThrow(WebhookUrlError);
    expect(() => checkWebhookUrl(url, lenient)).toThrow(message);
  });

  it('gives a 400-kind error', () => {
    try {
      checkWebhookUrl('http://169.254.169.254/', lenient);
      expect.unreachable();
    } catch (err) {
      expect((err as AddressRefusedError).kind).toBe('invalid');
    }
  });
});

describe('guardedLookup', () => {
  const resolver =
    (addresses: string[]): Resolver =>
    (_host, _options, callback) =>
      callback(
        null,
        addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
      );
  const lookup = (policy: typeof strict, addresses: string[], all: boolean) =>
    new Promise<unknown>((resolve, reject) =>
      guardedLookup(policy, resolver(addresses))('hooks.example.test', { all }, (err, address, family) => (err ? reject(err) : resolve(all ? address : [address, family]))),
    );

  it('refuses a name whose every address is refused', async () => {
    await expect(lookup(lenient, ['169.254.169.254'], false)).rejects.toThrow(/hooks\.example\.test resolves to 169\.254\.169\.254/);
    await expect(lookup(strict, ['127.0.0.1', '10.0.0.2'], true)).rejects.toBeInstanceOf(AddressRefusedError);
  });

  it('hands the socket only the allowed addresses', async () => {
    expect(await lookup(lenient, ['169.254.169.254', '127.0.0.1'], true)).toEqual([{ address: '127.0.0.1', family: 4 }]);
    expect(await lookup(strict, ['10.0.0.1', '93.184.215.14'], false)).toEqual(['93.184.215.14', 4]);
  });
});
