/**
 * A response body's text, read no further than `capBytes`: the rest is left unread (the stream is
 * canceled), so a server sending more than it should costs no more than the cap. A network error
 * part way through rejects, as the request itself would.
 */
export async function readCapped(response: Response, capBytes: number): Promise<{ text: string; truncated: boolean }> {
  if (!response.body) return { text: '', truncated: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const room = capBytes - bytes;
    if (value.length > room) {
      chunks.push(value.subarray(0, room));
      bytes = capBytes;
      truncated = true;
      await reader.cancel().catch(() => {});
      break;
    }
    chunks.push(value);
    bytes += value.length;
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated };
}
