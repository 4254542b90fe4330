/**
 * The fake's SigV4 check against AWS's published examples, so that it is right on its own and
 * not merely in agreement with the client library.
 */
import { describe, expect, it } from "vitest";
import { sha256Hex, verifySigV4 } from "../../fakes/bedrock/sigv4.ts";
import type { FakeAccount } from "../../fakes/bedrock/types.ts";

function account(overrides: Partial<FakeAccount>): FakeAccount {
  return {
    accessKeyId: "AKIAIOSFODNN7EXAMPLE",
    secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    sessionToken: undefined,
    region: "us-east-1",
    accountId: "123456789012",
    minRecordsPerJob: 100,
    maxRecordsPerJob: 50_000,
    now: () => Date.UTC(2013, 4, 24, 0, 0, 0),
    ...overrides,
  };
}

describe("verifySigV4 on AWS's examples", () => {
  // S3 API reference, "Signature Calculations for the Authorization Header", example GET Object.
  const s3Example = {
    method: "GET",
    url: new URL("https://examplebucket.s3.amazonaws.com/test.txt"),
    headers: new Headers({
      range: "bytes=0-9",
      "x-amz-content-sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "x-amz-date": "20130524T000000Z",
      authorization:
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
    }),
    payloadHash: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  };

  it("accepts the S3 GET Object example", async () => {
    expect(await verifySigV4(s3Example, "s3", account({}))).toBeNull();
  });

  it("refuses it when one signed header changes", async () => {
    const headers = new Headers(s3Example.headers);
    headers.set("range", "bytes=0-10");
    expect(await verifySigV4({ ...s3Example, headers }, "s3", account({}))).toMatchObject({ kind: "mismatch" });
  });

  it("refuses it with another secret, scope or time", async () => {
    expect(await verifySigV4(s3Example, "s3", account({ secretAccessKey: "other" }))).toMatchObject({ kind: "mismatch" });
    expect(await verifySigV4(s3Example, "s3", account({ accessKeyId: "AKIDOTHER" }))).toEqual({ kind: "unknown_key", accessKeyId: "AKIAIOSFODNN7EXAMPLE" });
    expect(await verifySigV4(s3Example, "s3", account({ region: "eu-west-1" }))).toEqual({ kind: "wrong_region", region: "us-east-1" });
    expect(await verifySigV4(s3Example, "bedrock", account({}))).toEqual({ kind: "wrong_service", service: "s3" });
    expect(await verifySigV4(s3Example, "s3", account({ now: () => Date.UTC(2013, 4, 24, 0, 16, 0) }))).toMatchObject({ kind: "skewed" });
    expect(await verifySigV4(s3Example, "s3", account({ sessionToken: "needed" }))).toEqual({ kind: "bad_token" });
  });

  // AWS SigV4 test suite, "get-vanilla" (a non-S3 service, empty payload).
  it("accepts the get-vanilla test-suite request", async () => {
    const parts = {
      method: "GET",
      url: new URL("https://example.amazonaws.com/"),
      headers: new Headers({
        "x-amz-date": "20150830T123600Z",
        authorization:
          "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
      }),
      payloadHash: await sha256Hex(""),
    };
    const vanilla = account({ accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", now: () => Date.UTC(2015, 7, 30, 12, 36, 0) });
    expect(await verifySigV4(parts, "service", vanilla)).toBeNull();
  });

  it("refuses a request without a signature, or with a malformed one", async () => {
    const parts = { method: "GET", url: new URL("https://s3.amazonaws.com/b/k"), headers: new Headers(), payloadHash: "UNSIGNED-PAYLOAD" };
    expect(await verifySigV4(parts, "s3", account({}))).toEqual({ kind: "missing" });
    const malformed = { ...parts, headers: new Headers({ authorization: "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request" }) };
    expect(await verifySigV4(malformed, "s3", account({}))).toEqual({
      kind: "malformed",
      detail: "Authorization header requires 'SignedHeaders' parameter. Authorization header requires 'Signature' parameter.",
    });
  });
});
