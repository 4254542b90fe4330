/**
 * The dashboard's JSX runtime (src/dashboard/jsx-runtime.ts) writes what hono/jsx wrote for the
 * same tree: each case is built with both and must match byte for byte, and the expected HTML
 * is written out beside it.
 */
import { Fragment as HonoFragment, jsx as honoJsx } from "hono/jsx";
import { describe, expect, it } from "vitest";
import { Fragment, jsx } from "../../../src/dashboard/jsx-runtime";

type Tag = string | ((props: Record<string, unknown>) => unknown);
/** Builds an element the way a compiled `<tag {...props}>{...children}</tag>` does. */
type Build = (tag: Tag, props: Record<string, unknown> | null, ...children: unknown[]) => unknown;

/** The automatic runtime's call: children in props, one child alone, none absent. */
const ours: Build = (tag, props, ...children) =>
  jsx(tag === "" ? Fragment : (tag as string), children.length ? { ...props, children: children.length === 1 ? children[0] : children } : { ...props });
const hono: Build = (tag, props, ...children) => (honoJsx as unknown as Build)(tag === "" ? (HonoFragment as Tag) : tag, props, ...children);

declare global {
  interface ImportMeta {
    /** Vite's static glob import, which vitest expands when it transforms this file. */
    glob(patterns: string | string[], options: { query: "?raw"; import: "default"; eager: true }): Record<string, unknown>;
  }
}

const hostile = `<script>alert("x&y'z")</script>`;

const cases: Array<{ name: string; build: (h: Build) => unknown; html: string }> = [
  { name: "text is escaped", build: (h) => h("p", null, hostile), html: "<p>&lt;script&gt;alert(&quot;x&amp;y&#39;z&quot;)&lt;/script&gt;</p>" },
  { name: "attributes are escaped, in order", build: (h) => h("a", { href: "/x?a=1&b=2", title: hostile }, "go"), html: '<a href="/x?a=1&amp;b=2" title="&lt;script&gt;alert(&quot;x&amp;y&#39;z&quot;)&lt;/script&gt;">go</a>' },
  { name: "numbers as they are", build: (h) => h("td", { "data-n": 3, width: 1.5 }, 0, " / ", 12), html: '<td data-n="3" width="1.5">0 / 12</td>' },
  { name: "null, undefined and booleans render nothing", build: (h) => h("p", { title: undefined, "aria-current": null }, null, undefined, false, true, "x"), html: "<p>x</p>" },
  { name: "boolean attributes: true is empty, false is left out", build: (h) => h("select", null, h("option", { value: "1", selected: true }, "1"), h("option", { value: "2", selected: false }, "2")), html: '<select><option value="1" selected="">1</option><option value="2">2</option></select>' },
  { name: "a boolean on another attribute is written out", build: (h) => h("div", { "aria-hidden": true, "data-x": false }), html: '<div aria-hidden="true" data-x="false"></div>' },
  { name: "void elements close themselves", build: (h) => h("head", null, h("meta", { charset: "utf-8" }), h("link", { rel: "stylesheet", href: "/a.css" }), h("script", { src: "/l.js", defer: true })), html: '<head><meta charset="utf-8"/><link rel="stylesheet" href="/a.css"/><script src="/l.js" defer=""></script></head>' },
  { name: "other empty elements do not", build: (h) => h("svg", { viewBox: "0 0 1 1" }, h("title", null, "t"), h("rect", { x: "0" }), h("line", null)), html: '<svg viewBox="0 0 1 1"><title>t</title><rect x="0"></rect><line></line></svg>' },
  { name: "lists and nested lists, in order", build: (h) => h("ul", null, [1, 2].map((n) => h("li", null, n)), [["a", ["b"]]]), html: "<ul><li>1</li><li>2</li>ab</ul>" },
  { name: "fragments add no element", build: (h) => h("dl", null, h("", null, h("dt", null, "k"), h("dd", null, "v"))), html: "<dl><dt>k</dt><dd>v</dd></dl>" },
  {
    name: "components get their props and children",
    build: (h) => {
      const Badge = ({ label, children }: Record<string, unknown>) => h("span", { class: `badge ${label as string}` }, children);
      return h("p", null, h(Badge, { label: "ok" }, "done ", hostile));
    },
    html: '<p><span class="badge ok">done &lt;script&gt;alert(&quot;x&amp;y&#39;z&quot;)&lt;/script&gt;</span></p>',
  },
  { name: "a component that returns null or a string", build: (h) => h("p", null, h(() => null, null), h(() => "<b>", null)), html: "<p>&lt;b&gt;</p>" },
  { name: "forms, inputs and buttons as written", build: (h) => h("form", { method: "post", action: "/x" }, h("input", { type: "hidden", name: "csrf", value: '"t' }), h("button", { type: "submit" }, "Go")), html: '<form method="post" action="/x"><input type="hidden" name="csrf" value="&quot;t"/><button type="submit">Go</button></form>' },
];

describe("the dashboard's JSX runtime", () => {
  it.each(cases)("$name, as hono/jsx wrote it", ({ build, html }) => {
    const written = String(build(ours));
    expect(written).toBe(html);
    expect(written).toBe(String(build(hono)));
  });

  it("marks its output as escaped HTML, so that hono's html helper and c.html() take it as it is", () => {
    const node = jsx("b", { children: "<x>" }) as unknown as { isEscaped?: boolean };
    expect(node.isEscaped).toBe(true);
  });

  // The runtime knows only the void elements and boolean attributes the pages use (hono/jsx
  // knows every one HTML has): each element and attribute name in the pages' markup, as an
  // empty element and as a boolean attribute, must come out as hono/jsx writes it.
  it("writes every element and attribute name the pages use as hono/jsx does, empty and as a boolean", () => {
    const pages = import.meta.glob(["/src/dashboard/**/*.tsx"], { query: "?raw", import: "default", eager: true }) as Record<string, string>;
    const tags = new Set<string>();
    const attributes = new Set<string>();
    for (const text of Object.values(pages)) {
      for (const [, tag, inside] of text.matchAll(/<([a-z][\w-]*)\b([^<>]*)>/g)) {
        tags.add(tag!);
        for (const [, name] of inside!.matchAll(/\s([a-zA-Z][\w-]*)(?=[=\s/>]|$)/g)) attributes.add(name!);
      }
    }
    expect(tags).toContain("input");
    expect(attributes).toContain("required");
    for (const tag of tags) expect(String(ours(tag, null)), tag).toBe(String(hono(tag, null)));
    for (const name of attributes) {
      for (const value of [true, false]) expect(String(ours("p", { [name]: value })), `${name}={${value}}`).toBe(String(hono("p", { [name]: value })));
    }
  });
});
