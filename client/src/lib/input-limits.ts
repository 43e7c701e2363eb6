/** The server's limit on a chat message or a drafting request (`content`/`prompt`, 20,000 characters). */
export const MAX_TEXT_INPUT = 20_000;

/**
 * Why `text` is refused before it is sent, or null: a paste of a whole log would otherwise be
 * posted, refused by the server, and echoed back into the page.
 */
export function inputTooLong(text: string, max: number = MAX_TEXT_INPUT): string | null {
  if (text.length <= max) return null;
  return `This is ${text.length.toLocaleString('en-US')} characters; the limit is ${max.toLocaleString('en-US')}. Shorten it, or put the long part in a file the workflow reads.`;
}
