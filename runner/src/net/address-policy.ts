import ipaddr from 'ipaddr.js';

/**
 * Which addresses a request built from workflow content (an http step's URL, a notify webhook)
 * may reach. By default everything but the runner's own machine and the cloud metadata service:
 * loopback, link-local (169.254.0.0/16 holds the metadata endpoints, fe80::/10) and unspecified
 * addresses (0.0.0.0 and :: reach the local host). `WEFT_HTTP_DENY_PRIVATE=1` adds the private
 * ranges; `WEFT_HTTP_ALLOW` opens exceptions by host name or address range. Integrations a person
 * configured do not go through this policy.
 */

export type AllowEntry =
  | { readonly kind: 'host'; readonly host: string }
  | { readonly kind: 'range'; readonly range: [ipaddr.IPv4 | ipaddr.IPv6, number]; readonly text: string };

export interface AddressPolicy {
  readonly allow: readonly AllowEntry[];
  readonly denyPrivate: boolean;
}

export const ALLOW_SETTING = 'WEFT_HTTP_ALLOW';
export const DENY_PRIVATE_SETTING = 'WEFT_HTTP_DENY_PRIVATE';

export type RefusedRange = 'loopback' | 'link-local' | 'unspecified' | 'private';

export interface AddressRefusal {
  /** The name the request asked for (an address itself when the URL held one). */
  readonly host: string;
  readonly address: string;
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

export const DEFAULT_ADDRESS_POLICY: AddressPolicy = { allow: [], denyPrivate: false };

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
 * not. IPv4-mapped IPv6 (`::ffff:127.0.0.1`) is judged as the IPv4 address it carries.
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
  if (policy.allow.some((entry) => entry.kind === 'range' && entry.range[0].kind() === ip.kind() && ip.match(entry.range))) return null;
  const rangeName = ip.range();
  const always = ALWAYS_REFUSED[rangeName];
  if (always !== undefined) return refusal({ host: name, address: ip.toString(), range: always, setting: ALLOW_SETTING });
  if (policy.denyPrivate && PRIVATE_RANGES.has(rangeName))
    return refusal({ host: name, address: ip.toString(), range: 'private', setting: DENY_PRIVATE_SETTING });
  return null;
}

function refusal({ host, address, range, setting }: Omit<AddressRefusal, 'message'>): AddressRefusal {
  const target = host === '' || host === address || normalizeHost(host) === address ? address : `${host} (${address})`;
  const why =
    setting === DENY_PRIVATE_SETTING
      ? `private addresses are refused because ${DENY_PRIVATE_SETTING}=1`
      : range === 'unspecified' && !ipaddr.isValid(unbracket(address))
        ? 'it is not an IP address'
        : `${range} addresses are refused for requests made by workflows`;
  return { host, address, range, setting, message: `refused to connect to ${target}: ${why}; add it to ${ALLOW_SETTING} on the runner to allow it` };
}
