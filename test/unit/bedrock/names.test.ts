/**
 * Names and keys the adapter gives Bedrock and S3 must fit Bedrock's patterns (service model).
 */
import { describe, expect, it } from "vitest";
import { clientRequestToken, inputKey, jobName, outputKeys } from "../../../src/providers/bedrock/names";

const JOB_NAME = /^[a-zA-Z0-9]{1,63}(-*[a-zA-Z0-9+\-.]){0,63}$/;
const TOKEN = /^[a-zA-Z0-9]{1,256}(-*[a-zA-Z0-9]){0,256}$/;
const S3_KEY_SEGMENT = /^[-!_*'().a-zA-Z0-9]+$/;

describe("names", () => {
  it.each(["msgbatch_01JD8XQ5ZC3V9R6T2WBN4KM7HP", "msgbatch_" + "x".repeat(80), "weird id/with:chars"])("fit Bedrock's patterns for %s", (batchId) => {
    const name = jobName(batchId, 12);
    expect(name).toMatch(JOB_NAME);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name.endsWith("-12")).toBe(true);
    expect(clientRequestToken(batchId, 12)).toMatch(TOKEN);
    for (const segment of inputKey("batches/", batchId, 3, "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-haiku-20240307-v1:0").split("/")) {
      expect(segment).toMatch(S3_KEY_SEGMENT);
    }
  });

  it("derive the exact keys", () => {
    expect(jobName("msgbatch_01ABC", 1)).toBe("batchbridge-msgbatch-01ABC-1");
    expect(clientRequestToken("msgbatch_01ABC", 1)).toBe("batchbridge-msgbatch-01ABC-1");
    expect(inputKey("batches/", "msgbatch_01ABC", 2, "anthropic.claude-3-5-sonnet-20241022-v2:0")).toBe(
      "batches/msgbatch_01ABC/2-anthropic.claude-3-5-sonnet-20241022-v2_0.jsonl",
    );
    expect(outputKeys("batches/msgbatch_01ABC/output/", "arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/abc123def456", "batches/msgbatch_01ABC/2-m.jsonl")).toEqual({
      outputKey: "batches/msgbatch_01ABC/output/abc123def456/2-m.jsonl.out",
      manifestKey: "batches/msgbatch_01ABC/output/abc123def456/manifest.json.out",
    });
  });
});
