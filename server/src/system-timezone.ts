import fs from 'node:fs';

const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;
/** What ICU answers for the zone files that mean UTC. */
const UTC_ALIASES = new Set(['UTC', 'UCT', 'Universal', 'Zulu', 'Etc/UTC', 'Etc/UCT', 'Etc/Universal', 'Etc/Zulu']);

/**
 * The machine's time zone (IANA name), as `Intl.DateTimeFormat().resolvedOptions().timeZone` gives
 * it, but read from the `/etc/localtime` link where it can be: asking ICU loads its locale and zone
 * data, about 8 MiB of the server's resident memory, which an idle server that has no schedule never
 * needs. ICU is still asked when TZ is set or the link says nothing (a copied zone file, another OS).
 */
export function systemTimezone({
  env = process.env,
  readLink = (file: string) => fs.readlinkSync(file),
  exists = (file: string) => fs.existsSync(file),
  intl = () => Intl.DateTimeFormat().resolvedOptions().timeZone,
}: {
  env?: NodeJS.ProcessEnv;
  readLink?: (file: string) => string;
  exists?: (file: string) => boolean;
  intl?: () => string | undefined;
} = {}): string {
  const fromIntl = () => intl() ?? 'UTC';
  if (env.TZ !== undefined || process.platform === 'win32') return fromIntl();
  // No zone file and no TZ: the C library and ICU both use UTC.
  if (!exists('/etc/localtime')) return 'UTC';
  let target: string;
  try {
    target = readLink('/etc/localtime');
  } catch {
    return fromIntl();
  }
  const name = /zoneinfo\/(?:posix\/|right\/)?(.+)$/.exec(target)?.[1];
  if (!name || !ZONE_NAME.test(name)) return fromIntl();
  return UTC_ALIASES.has(name) ? 'UTC' : name;
}
