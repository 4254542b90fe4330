/**
 * The Bedrock fake's model validates a record's `modelInput` as Bedrock's Claude does (see
 * docs/sources/bedrock.md): what it refuses, in Bedrock's words, and what it answers.
 */
import { describe, expect, it } from "vitest";
import { answerRecord } from "../../fakes/bedrock/model.ts";

const SONNET_45 = "anthropic.claude-sonnet-4-5-20250929-v1:0";
const HAIKU_3 = "anthropic.claude-3-haiku-20240307-v1:0";
const base = { anthropic_version: "bedrock-2023-05-31", max_tokens: 10, messages: [{ role: "user", content: "Paris" }] };

describe("Bedrock fake: modelInput validation", () => {
  it.each([
    ["an unknown key", { ...base, stream: false }, SONNET_45, "Malformed input request: #: extraneous key [stream] is not permitted, please reformat your input and try again."],
    ["output_config on a model older than Claude 4.5", { ...base, output_config: { effort: "low" } }, HAIKU_3, "Malformed input request: #: extraneous key [output_config] is not permitted, please reformat your input and try again."],
    ["a system turn", { ...base, messages: [{ role: "user", content: "a" }, { role: "system", content: "b" }] }, SONNET_45, 'Malformed input request: #/messages/1/role: "system" is not a valid enum value, please reformat your input and try again.'],
    ["a beta Bedrock does not take", { ...base, anthropic_beta: ["context-1m-2025-08-07", "extended-cache-ttl-2025-04-11"] }, SONNET_45, "invalid beta flag"],
    ["anthropic_beta that is not a list", { ...base, anthropic_beta: "context-1m-2025-08-07" }, SONNET_45, "invalid beta flag"],
    ["a metadata key other than user_id", { ...base, metadata: { user_id: "u", tags: ["a"] } }, SONNET_45, "metadata.tags: Extra inputs are not permitted"],
    ["an output_config key Bedrock does not know", { ...base, output_config: { verbosity: "low" } }, SONNET_45, "output_config.verbosity: Extra inputs are not permitted"],
    ["a format that is not a JSON schema", { ...base, output_config: { format: { type: "text" } } }, SONNET_45, "output_config.format: Input should be a valid json_schema format"],
    ["max_tokens 0", { ...base, max_tokens: 0 }, SONNET_45, "Malformed input request: #/max_tokens: expected an integer of at least 1, please reformat your input and try again."],
  ])("refuses %s as an errored record", (_name, input, modelId, message) => {
    expect(answerRecord(input, modelId)).toEqual({ ok: false, errorCode: 400, errorMessage: message });
  });

  it("takes metadata.user_id, the betas it knows and output_config, and answers JSON that fits the schema as one text block", () => {
    const schema = { type: "object", properties: { city: { type: "string" }, size: { type: "integer" }, tags: { type: "array" } }, required: ["city", "size"], additionalProperties: false };
    const answer = answerRecord(
      { ...base, anthropic_beta: ["effort-2025-11-24"], metadata: { user_id: "u" }, output_config: { effort: "low", format: { type: "json_schema", schema } } },
      SONNET_45,
    );
    expect(answer).toMatchObject({ ok: true, output: { content: [{ type: "text", text: '{"city":"Paris","size":0}' }], stop_reason: "end_turn" } });
  });
});
