/** The keys the fakes accept, and the one the benchmark's clients present to the gateway. */
export const KEYS = {
  anthropic: "bench-anthropic-key",
  openai: "bench-openai-key",
  gemini: "bench-gemini-key",
  /** Any key works on a gateway without virtual keys. */
  gateway: "bench-client-key",
};
