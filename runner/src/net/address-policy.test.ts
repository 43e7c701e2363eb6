import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import {
  CLOUD_METADATA_ADDRESSES,
  checkAddress,
  DEFAULT_ADDRESS_POLICY,
  embeddedIPv4,
  parseAllowList,
  parseNat64Prefixes,
  type AddressPolicy,
} from './address-policy';

function policy({ allow = '', denyPrivate = false, nat64 = '' }: { allow?: string; denyPrivate?: boolean; nat64?: string } = {}): AddressPolicy {
  const parsed = parseAllowList(allow);
  expect(parsed.problems).toEqual([]);
  const prefixes = parseNat64Prefixes(nat64);
  expect(prefixes.problems).toEqual([]);
  return { allow: parsed.entries, denyPrivate, nat64Prefixes: prefixes.prefixes };
}

const check = (p: AddressPolicy, address: string, host = address) => checkAddress(p, { host, address });

describe('address policy', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['::1', 'loopback'],
    ['169.254.169.254', 'metadata'],
    ['169.254.0.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['febf:ffff::1', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['::', 'unspecified'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:169.254.0.1', 'link-local'],
  ])('refuses %s (%s) by default, naming the address and WEFT_HTTP_ALLOW', (address, range) => {
    const refusal = check(DEFAULT_ADDRESS_POLICY, address);
    expect(refusal).toMatchObject({ range, setting: 'WEFT_HTTP_ALLOW' });
    expect(refusal!.message).toMatch(/^refused to connect to /);
    expect(refusal!.message).toContain(refusal!.address);
    expect(refusal!.message).toContain('WEFT_HTTP_ALLOW');
  });

  it.each(['93.184.216.34', '8.8.8.8', '10.0.0.1', '172.16.0.1', '192.168.1.1', '100.64.0.1', '2606:4700::1111', 'fd00::1', '172.32.0.1', '169.255.0.1'])(
    'allows %s by default',
    (address) => {
      expect(check(DEFAULT_ADDRESS_POLICY, address)).toBeNull();
    },
  );

  it.each(['10.0.0.1', '10.255.255.255', '172.16.0.1', '172.31.255.255', '192.168.0.1', '100.64.0.1', 'fd12:3456::1', 'fc00::1', 'fec0::1', '::ffff:10.1.2.3'])(
    'refuses %s with WEFT_HTTP_DENY_PRIVATE=1, naming that setting',
    (address) => {
      const refusal = check(policy({ denyPrivate: true }), address);
      expect(refusal).toMatchObject({ range: 'private', setting: 'WEFT_HTTP_DENY_PRIVATE' });
      expect(refusal!.message).toContain('WEFT_HTTP_DENY_PRIVATE=1');
      expect(refusal!.message).toContain(refusal!.address);
    },
  );

  it.each(['172.32.0.1', '172.15.255.255', '192.169.0.1', '11.0.0.1', '2606:4700::1111'])('still allows public %s with WEFT_HTTP_DENY_PRIVATE=1', (address) => {
    expect(check(policy({ denyPrivate: true }), address)).toBeNull();
  });

  it('names the host and the address it resolved to', () => {
    expect(check(DEFAULT_ADDRESS_POLICY, '127.0.0.1', 'evil.example')!.message).toBe(
      'refused to connect to evil.example (127.0.0.1): loopback addresses are refused for requests made by workflows; add it to WEFT_HTTP_ALLOW on the runner to allow it',
    );
  });

  it('a host entry opens that name, whatever it resolves to, and no other name', () => {
    const p = policy({ allow: 'localhost, Metadata.Internal.' });
    expect(check(p, '127.0.0.1', 'localhost')).toBeNull();
    expect(check(p, '::1', 'LOCALHOST')).toBeNull();
    expect(check(p, '169.254.169.254', 'metadata.internal')).toBeNull();
    expect(check(p, '127.0.0.1', 'other.example')).not.toBeNull();
    expect(check(p, '127.0.0.1')).not.toBeNull();
  });

  it('an address or CIDR entry opens the addresses it covers, mapped IPv6 included', () => {
    const p = policy({ allow: '127.0.0.0/8,::1,10.0.0.0/8', denyPrivate: true });
    expect(check(p, '127.0.0.5')).toBeNull();
    expect(check(p, '::ffff:127.0.0.5')).toBeNull();
    expect(check(p, '::1')).toBeNull();
    expect(check(p, '10.9.8.7')).toBeNull();
    expect(check(p, '192.168.1.1')).toMatchObject({ setting: 'WEFT_HTTP_DENY_PRIVATE' });
    expect(check(p, '169.254.169.254')).toMatchObject({ setting: 'WEFT_HTTP_ALLOW' });
  });

  it.each(CLOUD_METADATA_ADDRESSES.map(({ address }) => address))(
    'refuses the cloud metadata address %s by default and with private addresses denied',
    (address) => {
      for (const p of [DEFAULT_ADDRESS_POLICY, policy({ denyPrivate: true })]) {
        const refusal = check(p, address);
        expect(refusal).toMatchObject({ range: 'metadata', setting: 'WEFT_HTTP_ALLOW' });
        expect(refusal!.message).toBe(
          `refused to connect to ${address}: cloud metadata addresses are refused for requests made by workflows; add the host name or the exact address to WEFT_HTTP_ALLOW on the runner to allow it`,
        );
      }
    },
  );

  it('opens a metadata address only by a host name or its exact address, never by a range covering it', () => {
    const ranges = policy({ allow: '100.64.0.0/10,fd00::/8,169.254.0.0/16,0.0.0.0/0,::/0' });
    for (const address of ['100.100.100.200', 'fd00:ec2::254', '169.254.169.254', '168.63.129.16'])
      expect(check(ranges, address)).toMatchObject({ range: 'metadata' });
    expect(check(ranges, '100.64.0.1')).toBeNull();
    expect(check(ranges, 'fd00:ec2::1')).toBeNull();
    const exact = policy({ allow: '100.100.100.200/32,fd00:ec2::254,metadata.internal' });
    expect(check(exact, '100.100.100.200')).toBeNull();
    expect(check(exact, 'fd00:ec2:0:0:0:0:0:254')).toBeNull();
    expect(check(exact, '169.254.169.254', 'metadata.internal')).toBeNull();
    expect(check(exact, '169.254.169.254')).toMatchObject({ range: 'metadata' });
  });

  it.each([
    // NAT64, well-known prefix (RFC 6052)
    ['64:ff9b::a9fe:a9fe', '169.254.169.254', 'metadata'],
    ['64:ff9b::169.254.169.254', '169.254.169.254', 'metadata'],
    ['64:ff9b::7f00:1', '127.0.0.1', 'loopback'],
    ['64:ff9b::6464:64c8', '100.100.100.200', 'metadata'],
    ['64:ff9b::', '0.0.0.0', 'unspecified'],
    // NAT64, local-use prefix (RFC 8215), as /96 and as /48, /56, /64
    ['64:ff9b:1::a9fe:a9fe', '169.254.169.254', 'metadata'],
    ['64:ff9b:1:a9fe:a9:fe00::', '169.254.169.254', 'metadata'],
    ['64:ff9b:1:7f:0:1::', '127.0.0.1', 'loopback'],
    ['64:ff9b:1:0:7f:0:100:0', '127.0.0.1', 'loopback'],
    // 6to4 (RFC 3056)
    ['2002:a9fe:a9fe::1', '169.254.169.254', 'metadata'],
    ['2002:7f00:1::', '127.0.0.1', 'loopback'],
    // IPv4-compatible, as WHATWG URL writes [::127.0.0.1], and SIIT (RFC 6145)
    ['::7f00:1', '127.0.0.1', 'loopback'],
    ['::a9fe:a9fe', '169.254.169.254', 'metadata'],
    ['::ffff:0:7f00:1', '127.0.0.1', 'loopback'],
    // Teredo (RFC 4380): the client address is stored inverted
    ['2001:0:a9fe:a9fe::', '169.254.169.254', 'metadata'],
    ['2001:0:808:808:0:0:80ff:fffe', '127.0.0.1', 'loopback'],
  ])('refuses %s, which carries %s (%s), by default', (address, carried, range) => {
    const refusal = check(DEFAULT_ADDRESS_POLICY, address);
    expect(refusal).toMatchObject({ range, carried, setting: 'WEFT_HTTP_ALLOW' });
    expect(refusal!.message).toContain(`it carries the IPv4 address ${carried}, and `);
  });

  it.each(['64:ff9b::a00:1', '64:ff9b:1::c0a8:101', '2002:ac10:1::1', '::a00:1'])(
    'refuses %s, which carries a private address, with WEFT_HTTP_DENY_PRIVATE=1 only',
    (address) => {
      expect(check(DEFAULT_ADDRESS_POLICY, address)).toBeNull();
      expect(check(policy({ denyPrivate: true }), address)).toMatchObject({ range: 'private', setting: 'WEFT_HTTP_DENY_PRIVATE' });
    },
  );

  it.each(['64:ff9b::808:808', '64:ff9b:1::808:808', '64:ff9b:1:808:8:800::', '2002:808:808::1', '2001:0:4136:e378:8000:63bf:3fff:fdd2'])(
    'allows %s, which carries public addresses only',
    (address) => {
      expect(check(policy({ denyPrivate: true }), address)).toBeNull();
    },
  );

  it('an allow entry for the IPv6 form or for the IPv4 address it carries opens it, except a metadata address', () => {
    expect(check(policy({ allow: '64:ff9b::/96' }), '64:ff9b::7f00:1')).toBeNull();
    expect(check(policy({ allow: '127.0.0.0/8' }), '64:ff9b::7f00:1')).toBeNull();
    expect(check(policy({ allow: '64:ff9b::/96' }), '64:ff9b::a9fe:a9fe')).toMatchObject({ range: 'metadata' });
  });

  it('reads the embedded IPv4 address of each form', () => {
    const embedded = (address: string) => embeddedIPv4(ipaddr.parse(address)).map(String);
    expect(embedded('64:ff9b::102:304')).toEqual(['1.2.3.4']);
    expect(embedded('2002:102:304::')).toEqual(['1.2.3.4']);
    expect(embedded('2001:4860:4860::8888')).toEqual([]);
    expect(embedded('1.2.3.4')).toEqual([]);
  });

  it('refuses what is not an address at all', () => {
    expect(check(DEFAULT_ADDRESS_POLICY, 'not-an-ip', 'x.example')!.message).toMatch(/x\.example \(not-an-ip\): it is not an IP address/);
  });
});

describe("a network's own NAT64 prefix (WEFT_OUTBOUND_NAT64_PREFIXES)", () => {
  // RFC 6052, section 2.4: 192.0.2.33 in a prefix of each length, the u octet (bits 64-71) skipped.
  it.each([
    ['2001:db8::/32', '2001:db8:c000:221::'],
    ['2001:db8:100::/40', '2001:db8:1c0:2:21::'],
    ['2001:db8:122::/48', '2001:db8:122:c000:2:2100::'],
    ['2001:db8:122:300::/56', '2001:db8:122:3c0:0:221::'],
    ['2001:db8:122:344::/64', '2001:db8:122:344:c0:2:2100:0'],
    ['2001:db8:122:344::/96', '2001:db8:122:344::c000:221'],
  ])('in %s, reads the IPv4 address of %s where RFC 6052 puts it', (prefix, address) => {
    const { prefixes } = parseNat64Prefixes(prefix);
    expect(embeddedIPv4(ipaddr.parse(address), prefixes).map(String)).toEqual(['192.0.2.33']);
    // Without the setting the address carries nothing.
    expect(embeddedIPv4(ipaddr.parse(address)).map(String)).toEqual([]);
  });

  it.each([
    ['2001:db8::/32', '2001:db8:a9fe:a9fe::', '2001:db8:7f00:1::'],
    ['2001:db8:100::/40', '2001:db8:1a9:fea9:fe::', '2001:db8:17f:0:1::'],
    ['2001:db8:122::/48', '2001:db8:122:a9fe:a9:fe00::', '2001:db8:122:7f00:0:100::'],
    ['2001:db8:122:300::/56', '2001:db8:122:3a9:fe:a9fe::', '2001:db8:122:37f:0:1::'],
    ['2001:db8:122:344::/64', '2001:db8:122:344:a9:fea9:fe00:0', '2001:db8:122:344:7f:0:100:0'],
    ['2001:db8:122:344::/96', '2001:db8:122:344::a9fe:a9fe', '2001:db8:122:344::7f00:1'],
  ])('with %s, refuses %s (169.254.169.254) and %s (127.0.0.1), which are allowed without it', (prefix, metadata, loopback) => {
    const p = policy({ nat64: prefix });
    expect(check(p, metadata)).toMatchObject({ range: 'metadata', carried: '169.254.169.254', setting: 'WEFT_HTTP_ALLOW' });
    expect(check(p, metadata)!.message).toContain('it carries the IPv4 address 169.254.169.254, and cloud metadata addresses are refused');
    expect(check(p, loopback)).toMatchObject({ range: 'loopback', carried: '127.0.0.1' });
    expect(check(DEFAULT_ADDRESS_POLICY, metadata)).toBeNull();
    expect(check(DEFAULT_ADDRESS_POLICY, loopback)).toBeNull();
  });

  it('reads the address whatever the u octet and the suffix hold (a translator may ignore them)', () => {
    const p = policy({ nat64: '2001:db8:122::/48' });
    expect(check(p, '2001:db8:122:a9fe:ffa9:fe00:0:1')).toMatchObject({ range: 'metadata', carried: '169.254.169.254' });
    expect(check(policy({ nat64: '2001:db8::/32' }), '2001:db8:7f00:1:ff00::1')).toMatchObject({ range: 'loopback', carried: '127.0.0.1' });
  });

  it('allows a public IPv4 address in the prefix, refuses a private one with WEFT_HTTP_DENY_PRIVATE=1, and leaves other prefixes alone', () => {
    expect(check(policy({ nat64: '2001:db8:64::/96' }), '2001:db8:64::808:808')).toBeNull();
    expect(check(policy({ nat64: '2001:db8:64::/96', denyPrivate: true }), '2001:db8:64::a00:1')).toMatchObject({ range: 'private', carried: '10.0.0.1' });
    expect(check(policy({ nat64: '2001:db8:64::/96' }), '2001:db8:65::7f00:1')).toBeNull();
    // Several prefixes; the well-known ones still count.
    const both = policy({ nat64: '2001:db8:64::/96, 2001:db8:100::/40' });
    expect(check(both, '2001:db8:1a9:fea9:fe::')).toMatchObject({ range: 'metadata' });
    expect(check(both, '64:ff9b::7f00:1')).toMatchObject({ range: 'loopback' });
  });

  it('lets WEFT_HTTP_ALLOW open such an address as it opens the well-known NAT64 forms, except a metadata address', () => {
    expect(check(policy({ nat64: '2001:db8:64::/96', allow: '2001:db8:64::/96' }), '2001:db8:64::7f00:1')).toBeNull();
    expect(check(policy({ nat64: '2001:db8:64::/96', allow: '127.0.0.1' }), '2001:db8:64::7f00:1')).toBeNull();
    expect(check(policy({ nat64: '2001:db8:64::/96', allow: '2001:db8:64::/96' }), '2001:db8:64::a9fe:a9fe')).toMatchObject({ range: 'metadata' });
  });

  it('parses a comma list, skipping empty items and taking brackets', () => {
    const { prefixes, problems } = parseNat64Prefixes(' 2001:db8:64::/96,, [2001:db8::]/32 ');
    expect(problems).toEqual([]);
    expect(prefixes.map((p) => [p.prefix.toString(), p.length, p.text])).toEqual([
      ['2001:db8:64::', 96, '2001:db8:64::/96'],
      ['2001:db8::', 32, '[2001:db8::]/32'],
    ]);
  });

  it.each([
    ['2001:db8:64::', 'is not an IPv6 prefix with its length'],
    ['10.0.0.0/8', 'is not an IPv6 prefix with its length'],
    ['64:ff9b::/96/1', 'is not an IPv6 prefix with its length'],
    ['fe80::%eth0/64', 'is not an IPv6 prefix with its length'],
    ['2001:db8:64::/80', 'a NAT64 prefix length is 32, 40, 48, 56, 64 or 96 (RFC 6052)'],
    ['2001:db8:64::/0x60', 'a NAT64 prefix length is 32, 40, 48, 56, 64 or 96 (RFC 6052)'],
    ['2001:db8:64::1/96', 'has bits set after its first 96; write the prefix itself (2001:db8:64::/96)'],
    ['2001:db8:64::/32', 'has bits set after its first 32; write the prefix itself (2001:db8::/32)'],
  ])('rejects %j', (item, problem) => {
    const { problems } = parseNat64Prefixes(`2001:db8::/32,${item}`);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.startsWith(`"${item}"`)).toBe(true);
    expect(problems[0]).toContain(problem);
  });
});

describe('parseAllowList', () => {
  it('takes host names, addresses and CIDR ranges, skipping empty items', () => {
    const { entries, problems } = parseAllowList(' localhost,, 127.0.0.1 , [::1], 10.0.0.0/8, fd00::/8, api.internal ');
    expect(problems).toEqual([]);
    expect(entries.map((entry) => (entry.kind === 'host' ? entry.host : entry.text))).toEqual([
      'localhost',
      '127.0.0.1',
      '[::1]',
      '10.0.0.0/8',
      'fd00::/8',
      'api.internal',
    ]);
  });

  it.each(['*.example.com', 'http://example.com', 'example.com:8080', '10.0.0.0/33', '10.0.0.0/8/1', '0x7f.1/8', 'a b'])('rejects %j', (item) => {
    expect(parseAllowList(`localhost,${item}`).problems).toEqual([expect.stringContaining(`"${item}" is not a host name, an IP address or a CIDR range`)]);
  });

  it('reads the numeric forms URLs normalise as names, never as addresses', () => {
    // WHATWG URL turns http://2130706433/ into 127.0.0.1 before any check, so an entry like this never matches it.
    expect(parseAllowList('2130706433').entries).toEqual([{ kind: 'host', host: '2130706433' }]);
    expect(new URL('http://2130706433/').hostname).toBe('127.0.0.1');
  });
});
