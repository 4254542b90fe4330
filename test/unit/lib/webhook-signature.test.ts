/**
 * The gateway signs webhooks with WebCrypto (src/lib/webhook-signature.ts); the
 * `standardwebhooks` package, the reference implementation, must compute the same signature
 * and accept it.
 */
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { webhookSignature } from "../../../src/lib/webhook-signature";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const AT = new Date("2026-12-03T14:00:00.750Z");

describe("webhookSignature", () => {
  it.each([
    ["a JSON body", '{"type":"message_batch.ended","data":{"id":"msgbatch_01"}}'],
    ["an empty body", ""],
    ["non-ASCII text", '{"text":"héllo — 日本語 🚀"}'],
  ])("is the signature standardwebhooks computes, for %s", async (_name, payload) => {
    expect(await webhookSignature(SECRET, "msg_01JEXAMPLE", AT, payload)).toBe(new Webhook(SECRET).sign("msg_01JEXAMPLE", AT, payload));
  });

  it("is the same for a secret given without its whsec_ prefix", async () => {
    expect(await webhookSignature(SECRET.slice(6), "msg_1", AT, "{}")).toBe(new Webhook(SECRET).sign("msg_1", AT, "{}"));
  });

  it("differs for another secret, id, time or body (each is signed)", async () => {
    const base = await webhookSignature(SECRET, "msg_1", AT, "{}");
    const other = "whsec_" + btoa("another secret of some bytes");
    expect(await webhookSignature(other, "msg_1", AT, "{}")).not.toBe(base);
    expect(await webhookSignature(SECRET, "msg_2", AT, "{}")).not.toBe(base);
    expect(await webhookSignature(SECRET, "msg_1", new Date(AT.getTime() + 1000), "{}")).not.toBe(base);
    expect(await webhookSignature(SECRET, "msg_1", AT, "{ }")).not.toBe(base);
  });

  it("is accepted by standardwebhooks' verifier", async () => {
    const now = new Date();
    const payload = '{"type":"message_batch.ended"}';
    const headers = { "webhook-id": "msg_1", "webhook-timestamp": String(Math.floor(now.getTime() / 1000)), "webhook-signature": await webhookSignature(SECRET, "msg_1", now, payload) };
    expect(new Webhook(SECRET).verify(payload, headers)).toEqual({ type: "message_batch.ended" });
  });
});
