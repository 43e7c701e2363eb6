import ipaddr from 'ipaddr.js';

/**
 * Which addresses a request built from workflow content (an http step's URL, a notify webhook)
 * may reach. By default everything but the runner's own machine and the cloud metadata services:
 * loopback, link-local (169.254.0.0/16 holds most metadata endpoints, fe80::/10), unspecified
 * addresses (0.0.0.0 and :: reach the local host) and the metadata addresses outside link-local
 * (`CLOUD_METADATA_ADDRESSES`). `WEFT_HTTP_DENY_PRIVATE=1` adds the private ranges;
 * `WEFT_HTTP_ALLOW` opens exceptions by host name or address range, but a metadata address only
 * by a host name or by that exact address, never by a range that happens to cover it. An IPv6
 * address carrying an IPv4 one (mapped, compatible, SIIT, NAT64, 6to4, Teredo) is refused when
 * the IPv4 address would be, and so is an address in a network's own NAT64 prefix
 * (`WEFT_OUTBOUND_NAT64_PREFIXES`). Integrations a person configured do not go through this policy.
 */

export type AllowEntry =
  | { readonly kind: 'host'; readonly host: string }
  | { readonly kind: 'range'; readonly range: [ipaddr.IPv4 | ipaddr.IPv6, number]; readonly text: string };

/** RFC 6052: the prefix lengths a NAT64 translator may use, each with its own address layout. */
export const NAT64_PREFIX_LENGTHS = [32, 40, 48, 56, 64, 96] as const;
export type Nat64PrefixLength = (typeof NAT64_PREFIX_LENGTHS)[number];

/** A network's own NAT64 prefix (`WEFT_OUTBOUND_NAT64_PREFIXES`): its addresses carry an IPv4 address. */
export interface Nat64Prefix {
  readonly prefix: ipaddr.IPv6;
  readonly length: Nat64PrefixLength;
  /** As the setting wrote it. */
  readonly text: string;
}

export interface AddressPolicy {
  readonly allow: readonly AllowEntry[];
  readonly denyPrivate: boolean;
  /** NAT64 prefixes besides the well-known `64:ff9b::/96` and `64:ff9b:1::/48`; none when absent. */
  readonly nat64Prefixes?: readonly Nat64Prefix[];
}

export const ALLOW_SETTING = 'WEFT_HTTP_ALLOW';
export const DENY_PRIVATE_SETTING = 'WEFT_HTTP_DENY_PRIVATE';
export const NAT64_PREFIXES_SETTING = 'WEFT_OUTBOUND_NAT64_PREFIXES';

export type RefusedRange = 'loopback' | 'link-local' | 'unspecified' | 'metadata' | 'private';

export interface AddressRefusal {
  /** The name the request asked for (an address itself when the URL held one). */
  readonly host: string;
  readonly address: string;
  /** The IPv4 address `address` carries (NAT64, 6to4, ...) when that is what was refused. */
  readonly carried?: string;
  readonly range: RefusedRange;
  /** The setting that decides: `WEFT_HTTP_ALLOW` opens any refusal, `WEFT_HTTP_DENY_PRIVATE` caused this one. */
  readonly setting: typeof ALLOW_SETTING | typeof DENY_PRIVATE_SETTING;
  readonly message: string;
}

/** ipaddr.js range names refused by default, per address kind. */
const ALWAYS_REFUSED: Readonly<Record<string, RefusedRange>> = {
  loopback: 'loopback',
  linkLocal: 'link-local',
  unspecified: 'unspecified',
};
/** Refused with `WEFT_HTTP_DENY_PRIVATE=1`: RFC 1918, shared address space (RFC 6598), IPv6 unique and site local. */
const PRIVATE_RANGES = new Set(['private', 'carrierGradeNat', 'uniqueLocal', 'deprecatedSiteLocal']);

/**
 * Cloud metadata and credential endpoints, refused by default whatever range they are in (several
 * are not link-local, so the ranges above miss them). Only a host name entry of `WEFT_HTTP_ALLOW`
 * or the exact address opens one.
 */
export const CLOUD_METADATA_ADDRESSES: readonly { readonly address: string; readonly what: string }[] = [
  { address: '169.254.169.254', what: 'instance metadata (AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle, Hetzner, ...)' },
  { address: '169.254.170.2', what: 'AWS ECS task metadata and credentials' },
  { address: '169.254.170.23', what: 'AWS EKS Pod Identity agent' },
  { address: 'fd00:ec2::254', what: 'AWS instance metadata over IPv6' },
  { address: 'fd00:ec2::23', what: 'AWS EKS Pod Identity agent over IPv6' },
  { address: 'fd20:ce::254', what: 'Google Cloud metadata over IPv6' },
  { address: '100.100.100.200', what: 'Alibaba Cloud metadata' },
  { address: '168.63.129.16', what: 'Azure WireServer (host agent, VM extension settings)' },
  { address: '192.0.0.192', what: 'Oracle Cloud Infrastructure legacy metadata' },
];
const METADATA = new Set(CLOUD_METADATA_ADDRESSES.map(({ address }) => ipaddr.parse(address).toNormalizedString()));

export const DEFAULT_ADDRESS_POLICY: AddressPolicy = { allow: [], denyPrivate: false, nat64Prefixes: [] };

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/**
 * `WEFT_HTTP_ALLOW`: a comma list of host names (`localhost`, `api.internal`), addresses
 * (`127.0.0.1`, `::1`) or CIDR ranges (`10.0.0.0/8`, `fd00::/8`). A host name is matched against
 * the URL's host exactly (case-insensitive) and trusts whatever that name resolves to; an address or
 * range is matched against the resolved address.
 */
export function parseAllowList(text: string): { entries: AllowEntry[]; problems: string[] } {
  const entries: AllowEntry[] = [];
  const problems: string[] = [];
  for (const raw of text.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const entry = parseAllowEntry(item);
    if (entry === null) problems.push(`"${item}" is not a host name, an IP address or a CIDR range (like 10.0.0.0/8)`);
    else entries.push(entry);
  }
  return { entries, problems };
}

function parseAllowEntry(item: string): AllowEntry | null {
  const [addressPart, prefix, extra] = item.split('/');
  const address = unbracket(addressPart ?? '');
  if (extra !== undefined) return null;
  if (prefix !== undefined) {
    if (!isStrictAddress(address) || !/^\d{1,3}$/.test(prefix)) return null;
    try {
      return { kind: 'range', range: ipaddr.parseCIDR(`${address}/${prefix}`), text: item };
    } catch {
      return null;
    }
  }
  if (isStrictAddress(address)) {
    const ip = ipaddr.process(address);
    return { kind: 'range', range: [ip, ip.kind() === 'ipv4' ? 32 : 128], text: item };
  }
  const host = normalizeHost(item);
  return HOST_NAME.test(host) ? { kind: 'host', host } : null;
}

/**
 * `WEFT_OUTBOUND_NAT64_PREFIXES`: a comma list of IPv6 prefixes with their length, one of the RFC 6052
 * lengths (`2001:db8:64::/96`, `2001:db8::/32`). The bits after the length must be zero: a typo
 * such as `2001:db8:64::1/96` is reported rather than read as some other prefix.
 */
export function parseNat64Prefixes(text: string): { prefixes: Nat64Prefix[]; problems: string[] } {
  const prefixes: Nat64Prefix[] = [];
  const problems: string[] = [];
  const lengths = `${NAT64_PREFIX_LENGTHS.slice(0, -1).join(', ')} or ${NAT64_PREFIX_LENGTHS.at(-1)}`;
  for (const raw of text.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const [addressPart, lengthPart, extra] = item.split('/');
    const address = unbracket(addressPart ?? '');
    if (lengthPart === undefined || extra !== undefined || !ipaddr.IPv6.isValid(address) || address.includes('%')) {
      problems.push(`"${item}" is not an IPv6 prefix with its length (like 2001:db8:64::/96)`);
      continue;
    }
    const length = /^\d{1,3}$/.test(lengthPart) ? Number(lengthPart) : Number.NaN;
    if (!(NAT64_PREFIX_LENGTHS as readonly number[]).includes(length)) {
      problems.push(`"${item}": a NAT64 prefix length is ${lengths} (RFC 6052)`);
      continue;
    }
    const prefix = ipaddr.IPv6.parse(address);
    const bytes = prefix.toByteArray();
    if (!allZero(bytes.slice(length / 8))) {
      const network = ipaddr.IPv6.networkAddressFromCIDR(`${address}/${length}`).toString();
      problems.push(`"${item}" has bits set after its first ${length}; write the prefix itself (${network}/${length})`);
      continue;
    }
    prefixes.push({ prefix, length: length as Nat64PrefixLength, text: item });
  }
  return { prefixes, problems };
}

/** Dotted-quad IPv4 or IPv6 only: ipaddr.js would also take `0x7f.1` or `2130706433`, which read as names here. */
function isStrictAddress(text: string): boolean {
  return ipaddr.IPv4.isValidFourPartDecimal(text) || ipaddr.IPv6.isValid(text);
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function normalizeHost(host: string): string {
  return unbracket(host.trim().toLowerCase()).replace(/\.$/, '');
}

/**
 * Null when `address` (what `host` resolved to, or the URL's own address) may be reached, else why
 * not. IPv4-mapped IPv6 (`::ffff:127.0.0.1`) is judged as the IPv4 address it carries; the other
 * forms carrying an IPv4 address (`embeddedIPv4`) are refused when either address would be.
 */
export function checkAddress(policy: AddressPolicy, { host, address }: { host: string; address: string }): AddressRefusal | null {
  const name = normalizeHost(host);
  if (policy.allow.some((entry) => entry.kind === 'host' && entry.host === name)) return null;
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    ip = ipaddr.process(unbracket(address));
  } catch {
    // Not an address at all: nothing to connect to that this policy can vouch for.
    return refusal({ host: name, address, range: 'unspecified', setting: ALLOW_SETTING });
  }
  const judged = [ip, ...embeddedIPv4(ip, policy.nat64Prefixes)];
  for (const candidate of judged) {
    // Only an IPv6 address carries another.
    const why = judge(policy, candidate, candidate === ip ? null : (ip as ipaddr.IPv6));
    if (why !== null) return refusal({ host: name, address: ip.toString(), ...(candidate === ip ? {} : { carried: candidate.toString() }), ...why });
  }
  return null;
}

/** Why `ip` is refused, if it is; `outer` is the IPv6 address carrying it, whose own allow entries count too. */
function judge(policy: AddressPolicy, ip: ipaddr.IPv4 | ipaddr.IPv6, outer: ipaddr.IPv6 | null): Pick<AddressRefusal, 'range' | 'setting'> | null {
  const ranges = policy.allow.flatMap((entry) => (entry.kind === 'range' ? [entry.range] : []));
  const covers = (range: [ipaddr.IPv4 | ipaddr.IPv6, number], target: ipaddr.IPv4 | ipaddr.IPv6) => range[0].kind() === target.kind() && target.match(range);
  if (METADATA.has(ip.toNormalizedString())) {
    const exact = ranges.some((range) => covers(range, ip) && range[1] === (ip.kind() === 'ipv4' ? 32 : 128));
    return exact ? null : { range: 'metadata', setting: ALLOW_SETTING };
  }
  if (ranges.some((range) => covers(range, ip) || (outer !== null && covers(range, outer)))) return null;
  const rangeName = ip.range();
  const always = ALWAYS_REFUSED[rangeName];
  if (always !== undefined) return { range: always, setting: ALLOW_SETTING };
  if (policy.denyPrivate && PRIVATE_RANGES.has(rangeName)) return { range: 'private', setting: DENY_PRIVATE_SETTING };
  return null;
}

const ipv4 = (bytes: readonly number[]) => new ipaddr.IPv4(bytes.slice(0, 4));
const allZero = (bytes: readonly number[]) => bytes.every((b) => b === 0);

/**
 * The IPv4 addresses an IPv6 address carries, for the forms a connection may be translated or
 * tunnelled to that IPv4 address: IPv4-compatible `::a.b.c.d` (which WHATWG URL writes `::7f00:1`),
 * SIIT `::ffff:0:a.b.c.d` (RFC 6145), NAT64 `64:ff9b::/96` (RFC 6052) and the local-use
 * `64:ff9b:1::/48` (RFC 8215, every RFC 6052 layout whose other bits are zero), 6to4 `2002::/16`
 * (RFC 3056) and Teredo `2001::/32` (RFC 4380: the server and the client, which is stored inverted).
 * IPv4-mapped addresses never get here: `ipaddr.process` turned them into IPv4. An address in one
 * of `nat64Prefixes` (a network's own, `WEFT_OUTBOUND_NAT64_PREFIXES`) carries the IPv4 address at
 * its prefix length's place (`NAT64_LAYOUTS`).
 */
export function embeddedIPv4(ip: ipaddr.IPv4 | ipaddr.IPv6, nat64Prefixes: readonly Nat64Prefix[] = []): ipaddr.IPv4[] {
  if (ip.kind() !== 'ipv6') return [];
  const b = ip.toByteArray();
  const own = nat64Prefixes
    .filter(({ prefix, length }) => (ip as ipaddr.IPv6).match(prefix, length))
    .map(({ length }) => ipv4(NAT64_LAYOUTS[length].map((i) => b[i] ?? 0)));
  return [...wellKnownEmbeddedIPv4(ip as ipaddr.IPv6, b), ...own];
}

/**
 * Where the IPv4 address sits in an address of a NAT64 prefix of each length (RFC 6052, section
 * 2.2), as byte indexes: right after the prefix, skipping bits 64-71 (byte 8, the "u" octet), so a
 * /40, /48 or /56 prefix has the address on both sides of it and a /64 right after it. The suffix
 * and the u octet are not required to be zero: a translator may ignore them, and the prefix's
 * length alone says where the address is.
 */
const NAT64_LAYOUTS: Readonly<Record<Nat64PrefixLength, readonly number[]>> = {
  32: [4, 5, 6, 7],
  40: [5, 6, 7, 9],
  48: [6, 7, 9, 10],
  56: [7, 9, 10, 11],
  64: [9, 10, 11, 12],
  96: [12, 13, 14, 15],
};

function wellKnownEmbeddedIPv4(ip: ipaddr.IPv6, b: readonly number[]): ipaddr.IPv4[] {
  const last = b.slice(12, 16);
  switch (ip.range()) {
    case 'rfc6145':
      return [ipv4(last)];
    case '6to4':
      return [ipv4(b.slice(2, 6))];
    case 'teredo':
      return [ipv4(b.slice(4, 8)), ipv4(last.map((x) => x ^ 0xff))];
    case 'rfc6052': {
      // 64:ff9b::/96 holds the address in its last 32 bits.
      if (b[4] === 0 && b[5] === 0) return [ipv4(last)];
      // 64:ff9b:1::/48: the translator's prefix may be /48, /56, /64 or /96; bits 64-71 are always zero.
      const layouts: [number[], number[]][] = [
        [
          [6, 7, 9, 10],
          [8, 11, 12, 13, 14, 15],
        ],
        [
          [7, 9, 10, 11],
          [8, 12, 13, 14, 15],
        ],
        [
          [9, 10, 11, 12],
          [8, 13, 14, 15],
        ],
        [
          [12, 13, 14, 15],
          [6, 7, 8, 9, 10, 11],
        ],
      ];
      return layouts.filter(([, zero]) => allZero(zero.map((i) => b[i] ?? 0))).map(([at]) => ipv4(at.map((i) => b[i] ?? 0)));
    }
    default:
      // IPv4-compatible (deprecated, RFC 4291): the first 96 bits zero; :: and ::1 are ranges of their own.
      return allZero(b.slice(0, 12)) && ip.range() === 'unicast' ? [ipv4(last)] : [];
  }
}

function refusal({ host, address, carried, range, setting }: Omit<AddressRefusal, 'message'>): AddressRefusal {
  const target = host === '' || host === address || normalizeHost(host) === address ? address : `${host} (${address})`;
  const kind = range === 'metadata' ? 'cloud metadata' : range;
  const why =
    setting === DENY_PRIVATE_SETTING
      ? `private addresses are refused because ${DENY_PRIVATE_SETTING}=1`
      : range === 'unspecified' && !ipaddr.isValid(unbracket(address))
        ? 'it is not an IP address'
        : `${kind} addresses are refused for requests made by workflows`;
  const carrying = carried === undefined ? '' : `it carries the IPv4 address ${carried}, and `;
  const fix = range === 'metadata' ? `add the host name or the exact address to ${ALLOW_SETTING}` : `add it to ${ALLOW_SETTING}`;
  return {
    host,
    address,
    ...(carried === undefined ? {} : { carried }),
    range,
    setting,
    message: `refused to connect to ${target}: ${carrying}${why}; ${fix} on the runner to allow it`,
  };
}
