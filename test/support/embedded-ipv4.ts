// Every IPv6 spelling of an IPv4 address that carries it and routes (or translates) to it: what the
// SSRF guard must judge by the IPv4 address inside. Shared by the unit tests of address-guard and
// the end-to-end SSRF test.

export interface EmbeddedForm {
  /** which form, for test names */
  form: string;
  /** the IPv6 address text, as a user could write it between brackets in a URL */
  address: string;
}

const hex = (n: number) => n.toString(16);

/** `v4` (dotted) in every IPv6 form that embeds an IPv4 address. */
export function ipv6FormsOf(v4: string): EmbeddedForm[] {
  const [a, b, c, d] = v4.split('.').map(Number);
  const hi = (a << 8) | b;
  const lo = (c << 8) | d;
  return [
    { form: 'IPv4-mapped ::ffff:0:0/96', address: `::ffff:${v4}` },
    { form: 'IPv4-mapped, hex', address: `::ffff:${hex(hi)}:${hex(lo)}` },
    { form: 'IPv4-compatible ::/96 (deprecated)', address: `::${v4}` },
    { form: 'IPv4-translated ::ffff:0:0:0/96 (RFC 2765)', address: `::ffff:0:${v4}` },
    { form: 'IPv4-translated, hex', address: `::ffff:0:${hex(hi)}:${hex(lo)}` },
    { form: 'NAT64 64:ff9b::/96 (RFC 6052)', address: `64:ff9b::${v4}` },
    { form: 'NAT64 64:ff9b::/96, hex', address: `64:ff9b::${hex(hi)}:${hex(lo)}` },
    // local-use NAT64 (RFC 8215): the IPv4 address sits where RFC 6052 puts it for the operator's prefix length
    { form: 'local NAT64 64:ff9b:1::/48, a /96 prefix', address: `64:ff9b:1::${hex(hi)}:${hex(lo)}` },
    { form: 'local NAT64 64:ff9b:1::/48, a /64 prefix', address: `64:ff9b:1:0:${hex(a)}:${hex((b << 8) | c)}:${hex(d << 8)}:0` },
    { form: 'local NAT64 64:ff9b:1::/48, a /56 prefix', address: `64:ff9b:1:${hex(a)}:${hex(b)}:${hex(lo)}::` },
    { form: 'local NAT64 64:ff9b:1::/48, the /48 prefix', address: `64:ff9b:1:${hex(hi)}:${hex(c)}:${hex(d << 8)}::` },
    { form: '6to4 2002::/16', address: `2002:${hex(hi)}:${hex(lo)}::1` },
    // Teredo: server 65.54.227.120, flags 0x8000, port 40000 obfuscated; the client is the last 32 bits XOR 0xffffffff
    { form: 'Teredo 2001::/32', address: `2001:0:4136:e378:8000:63bf:${hex(hi ^ 0xffff)}:${hex(lo ^ 0xffff)}` },
  ];
}
