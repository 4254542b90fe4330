/** memberSpan: a member's value found in a JSON object's bytes as written, or null. */
import { describe, expect, it } from "vitest";
import { memberSpan } from "../../../src/lib/raw-json";

const encode = (text: string) => new TextEncoder().encode(text);
const valueOf = (text: string, key: string, from = 0) => {
  const bytes = encode(text);
  const span = memberSpan(bytes, from, key);
  return span && new TextDecoder().decode(bytes.subarray(span[0], span[1]));
};

describe("memberSpan", () => {
  it.each([
    ['{"a":1,"b":[{"c":"]}\\"\\\\"},2],"d":null}', "b", '[{"c":"]}\\"\\\\"},2]'],
    ['{ "a" : "x\\"," , "b" : { "k" : [ ] } }', "b", '{ "k" : [ ] }'],
    ['{"a":-1.5e3,"b":true}', "a", "-1.5e3"],
    ['{"a":-1.5e3,"b":true}', "b", "true"],
    ['{"é":1,"b":"é"}', "b", '"é"'],
    ['\n {"b":{}}', "b", "{}"],
  ])("finds the value in %s", (text, key, expected) => {
    expect(valueOf(text, key)).toBe(expected);
  });

  it.each([
    ['{"a":1}', "b"],
    ['{"\\u0062":1}', "b"],
    ['{"a":{"b":1}}', "b"],
    ["[1]", "b"],
    ["{}", "b"],
  ])("finds nothing in %s (key %s, as written and at the top level only)", (text, key) => {
    expect(valueOf(text, key)).toBeNull();
  });

  it("starts at an inner object", () => {
    const text = '{"custom_id":"a","params":{"model":"m","messages":[{"role":"user","content":"hi"}]}}';
    const bytes = encode(text);
    const params = memberSpan(bytes, 0, "params")!;
    const messages = memberSpan(bytes, params[0], "messages")!;
    expect(new TextDecoder().decode(bytes.subarray(...messages))).toBe('[{"role":"user","content":"hi"}]');
  });
});
