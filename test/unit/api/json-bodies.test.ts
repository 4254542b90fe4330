/**
 * Hot answers' bodies kept beside the records they render (src/api/json-bodies.ts): one
 * serialization per record object and variant, a fresh one for a new object or variant.
 */
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { jsonBody, JsonBodies } from "../../../src/api/json-bodies";

describe("JsonBodies", () => {
  it("serializes a record once, and again only for another variant or another object", () => {
    const bodies = new JsonBodies<{ id: string }>();
    let renders = 0;
    const render = (record: { id: string }, variant: string) => () => {
      renders++;
      return { id: record.id, variant };
    };
    const record = { id: "a" };
    expect(bodies.of(record, "x", render(record, "x"))).toBe('{"id":"a","variant":"x"}');
    expect(bodies.of(record, "x", render(record, "x"))).toBe('{"id":"a","variant":"x"}');
    expect(renders).toBe(1);
    expect(bodies.of(record, "y", render(record, "y"))).toBe('{"id":"a","variant":"y"}');
    expect(renders).toBe(2);
    // The same content in a new object (a record read afresh) is serialized anew.
    const reread = { id: "a" };
    expect(bodies.of(reread, "y", render(reread, "y"))).toBe('{"id":"a","variant":"y"}');
    expect(renders).toBe(3);
  });
});

describe("jsonBody", () => {
  it("answers exactly as c.json does", async () => {
    const app = new Hono();
    app.get("/json", (c) => c.json({ a: 1 }));
    app.get("/body", (c) => jsonBody(c, JSON.stringify({ a: 1 })));
    const [viaJson, viaBody] = await Promise.all([app.request("/json"), app.request("/body")]);
    expect(viaBody.status).toBe(viaJson.status);
    expect([...viaBody.headers]).toEqual([...viaJson.headers]);
    expect(await viaBody.text()).toBe(await viaJson.text());
  });
});
