import { type ExecutionFix, FIX_VALUE_MAX_CHARS, type FixValue } from '@weft/shared';

/** Where a fix stands, in a few words (a chip on the card, a row of the run page's Fixes). */
export function fixStatusText(fix: Pick<ExecutionFix, 'status' | 'provider' | 'appliedVersion' | 'error'>): string {
  switch (fix.status) {
    case 'diagnosing':
      return 'Diagnosing…';
    case 'diagnosed':
      if (fix.provider === 'offline') return 'From the run’s journal';
      return fix.error !== null ? 'No diagnosis' : 'Diagnosed, no change proposed';
    case 'proposed':
      return 'Change proposed';
    case 'applied':
      return `Applied as v${fix.appliedVersion}`;
    case 'rerun':
      return fix.appliedVersion === null ? 'Re-run' : `Applied as v${fix.appliedVersion}, re-run`;
    default: {
      const never: never = fix.status;
      return String(never);
    }
  }
}

/**
 * A value of the fix context for people: indented JSON when the whole value is there, the cut
 * text as it is (it no longer parses) with a note otherwise. Always rendered as text.
 */
export function fixValueText(value: FixValue): { text: string; note: string | null } {
  if (value.truncated) return { text: value.json, note: `Cut to the first ${FIX_VALUE_MAX_CHARS.toLocaleString('en')} characters.` };
  try {
    return { text: JSON.stringify(JSON.parse(value.json), null, 2), note: null };
  } catch {
    return { text: value.json, note: null };
  }
}
