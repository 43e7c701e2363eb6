import { describe, expect, it } from 'vitest';
import { systemTimezone } from '../src/system-timezone';

/** The machine's zone from the /etc/localtime link, as ICU would answer, without asking ICU when it can. */
describe('systemTimezone', () => {
  const asked: string[] = [];
  const intl = () => {
    asked.push('intl');
    return 'America/From_Intl';
  };
  const link = (target: string) => ({ env: {}, exists: () => true, readLink: () => target, intl });

  it('reads the zone from the /etc/localtime link without ICU', () => {
    asked.length = 0;
    expect(systemTimezone(link('/usr/share/zoneinfo/Europe/Paris'))).toBe('Europe/Paris');
    expect(systemTimezone(link('../usr/share/zoneinfo/America/Argentina/Buenos_Aires'))).toBe('America/Argentina/Buenos_Aires');
    expect(systemTimezone(link('/usr/share/zoneinfo/posix/Asia/Tokyo'))).toBe('Asia/Tokyo');
    expect(systemTimezone(link('/usr/share/zoneinfo/Etc/UTC'))).toBe('UTC');
    expect(systemTimezone(link('/usr/share/zoneinfo/Etc/GMT+5'))).toBe('Etc/GMT+5');
    expect(asked).toEqual([]);
  });

  it('is UTC with neither TZ nor a zone file, as for the C library', () => {
    expect(systemTimezone({ env: {}, exists: () => false, intl })).toBe('UTC');
  });

  it('asks ICU when TZ is set, the file is not a link, or the link names no zone', () => {
    const notALink = () => {
      throw Object.assign(new Error('EINVAL'), { code: 'EINVAL' });
    };
    expect(systemTimezone({ env: { TZ: 'Europe/Berlin' }, exists: () => true, readLink: () => '/usr/share/zoneinfo/Europe/Paris', intl })).toBe(
      'America/From_Intl',
    );
    expect(systemTimezone({ env: {}, exists: () => true, readLink: notALink, intl })).toBe('America/From_Intl');
    expect(systemTimezone(link('/somewhere/else'))).toBe('America/From_Intl');
    expect(systemTimezone(link('/usr/share/zoneinfo/../../etc/passwd'))).toBe('America/From_Intl');
  });

  it('names the zone ICU finds on this machine (an alias of it at most)', () => {
    const canonical = (zone: string) => new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone;
    expect(canonical(systemTimezone())).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
  });
});
