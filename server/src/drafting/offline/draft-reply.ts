/** What the offline chat says after a draft that covers everything. */
export const OFFLINE_DRAFTED =
  '[offline] No language model is configured, so the rule-based offline drafter made this draft. Review it, then Save or open it in the editor.';

/**
 * The offline chat's words on a `draft_workflow` result: never "made this draft" as if all of the
 * request was understood. It names what the draft leaves out, and for a request it could not read
 * at all points to the template gallery and the JSON editor. `content` is the tool result as the
 * model sees it; a result cut short (not JSON) is treated as a full draft.
 */
export function offlineDraftReply(content: string): string {
  let result: { unhandled?: unknown; understood?: unknown } = {};
  try {
    const parsed: unknown = JSON.parse(content);
    if (typeof parsed === 'object' && parsed !== null) result = parsed;
  } catch {
    /* cut short for the model: nothing more to say than the plain reply */
  }
  const unhandled = Array.isArray(result.unhandled) ? result.unhandled.filter((part): part is string => typeof part === 'string') : [];
  if (result.understood === false)
    return '[offline] The offline drafter could not read this request, so there is no draft. Start from a template or write the JSON on the new-workflow page (/automation/workflows/new).';
  if (unhandled.length === 0) return OFFLINE_DRAFTED;
  return `[offline] The rule-based offline drafter drafted only part of this. Not in this draft: ${unhandled.join('; ')}. Add those steps in the editor, or describe them another way.`;
}
