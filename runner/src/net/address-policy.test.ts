import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { CLOUD_METADATA_ADDRESSES, checkAddress, DEFAULT_ADDRESS_POLICY, embeddedIPv4, parseAllowList, type AddressPolicy } from './address-policy';

function policy({ allow = '', denyPrivate = false }: { allow?: string; denyPrivate?: boolean } = {}): AddressPolicy {
  const parsed = parseAllowList(allow);
  expect(parsed.problems).toEqual([]);
  return { allow: parsed.entries, denyPrivate };
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
