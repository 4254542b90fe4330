/**
 * What the translator must know about an OpenAI model from its name alone.
 */

/**
 * True for OpenAI's reasoning models: the o-series (`o1`, `o3-mini`, `o4-mini`, …) and the
 * gpt-5 family (`gpt-5`, `gpt-5-mini`, `gpt-5.1`, …), also behind a fine-tune (`ft:o4-mini:…`).
 * They take `max_completion_tokens` and `developer` messages: `max_tokens` is "not compatible
 * with o-series models" (openai-node `ChatCompletionCreateParamsBase.max_tokens`) and gpt-5
 * models answer it with 400 `unsupported_parameter` "Unsupported parameter: 'max_tokens' is
 * not supported with this model. Use 'max_completion_tokens' instead." (seen in many public
 * issue reports, e.g. koosoli/ESPHomeDesigner#379 for gpt-5.4); "With o1 models and newer,
 * `developer` messages replace the previous `system` messages" (openai-node
 * `ChatCompletionDeveloperMessageParam`). Other models keep `max_tokens` and `system`, which
 * every chat model accepts.
 *
 * @example
 * isReasoningModel("o3-mini")     // true
 * isReasoningModel("gpt-5.1")     // true
 * isReasoningModel("gpt-4o-mini") // false
 */
export function isReasoningModel(model: string): boolean {
  return /^(o\d+|gpt-5)([-.]|$)/.test(baseModelOf(model));
}

/**
 * The model a name stands for: a fine-tune's base model (`ft:<base>:<org>::<id>`), else the name.
 *
 * @example
 * baseModelOf("ft:o4-mini-2025-04-16:acme::x") // "o4-mini-2025-04-16"
 * baseModelOf("gpt-4o")                        // "gpt-4o"
 */
export function baseModelOf(model: string): string {
  return model.startsWith("ft:") ? (model.slice(3).split(":")[0] ?? "") : model;
}
