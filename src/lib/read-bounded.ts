/**
 * The first `limit` characters of a response body (an upstream error body, say), reading no
 * further than that and cancelling the rest, so that a huge or endless body costs no memory.
 *
 * @example
 * const text = await readBounded(response, 64 * 1024);
 */
export async function readBounded(response: Response, limit: number): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    while (text.length < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return text.slice(0, limit);
}
