/**
 * One request of a batch create body, as the gateway validated it.
 *
 * @example
 * const request: BatchRequest = { custom_id: "r1", params: { model: "claude-sonnet-4-5", max_tokens: 64, messages: [] } };
 */

/** Messages create params, as validated by the gateway (extra fields are kept). */
export type MessageParams = Record<string, unknown> & { model: string; max_tokens: number; messages: unknown[] };

/** One item of `requests` in a batch create body. */
export interface BatchRequest {
  custom_id: string;
  params: MessageParams;
  /**
   * The client's own bytes of this request (one element of `requests`), when they say exactly
   * what `custom_id` and `params` say (no key twice, nothing dropped): a translator that would
   * send the request unchanged may forward these instead of serialising it again (Anthropic).
   */
  raw?: Uint8Array;
}
