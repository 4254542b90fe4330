/**
 * The dashboard's JSX runtime: each element becomes its HTML string at once, every string
 * child and attribute escaped by hono's own escaper (`hono/utils/html`, the one `hono/html`
 * uses). It renders the pages exactly as `hono/jsx` did (same void elements, boolean
 * attributes and escaping, for the elements and attributes the pages use), without hono/jsx's client-side machinery (contexts, hooks,
 * Suspense, head hoisting), about 4 KiB of the gzip bundle that the server-rendered pages
 * never used. Wired by `jsxImportSource: "#dashboard"` (tsconfig.json) and package.json's
 * `imports`. See docs/sources/dashboard.md § The dashboard's JSX runtime.
 */
import { escapeToBuffer, raw, type HtmlEscapedString } from "hono/utils/html";

export type { JSX } from "hono/jsx/jsx-runtime";

/**
 * Elements written `<input/>` when they have no children: of hono/jsx's list, those the pages
 * use (hono's list has 15, and its boolean attributes 29: about 0.2 KiB of the gzip bundle).
 * test/unit/dashboard/jsx-runtime.test.ts fails when a page uses another one of hono's.
 */
const VOID = new Set(["input", "link", "meta"]);

/** HTML's boolean attributes, of hono/jsx's list those the pages use: `true` writes `name=""`, `false` leaves it out. */
const BOOLEAN = new Set(["autofocus", "defer", "download", "required", "selected"]);

type Buffer = [string];
type Props = Record<string, unknown> & { children?: unknown };
type Component = (props: Props) => unknown;

/** Appends a child: strings escaped, numbers as they are, rendered HTML untouched, lists in order; nothing else. */
function child(value: unknown, buffer: Buffer): void {
  if (typeof value === "string") escapeToBuffer(value, buffer);
  else if (typeof value === "number") buffer[0] += value;
  else if (value === null || value === undefined || typeof value === "boolean") return;
  else if ((value as HtmlEscapedString).isEscaped) buffer[0] += value;
  else if (Array.isArray(value)) for (const item of value) child(item, buffer);
}

/** Appends ` name="value"`, escaped; nothing for null, undefined, a function or a false boolean attribute. */
function attribute(name: string, value: unknown, buffer: Buffer): void {
  if (value === null || value === undefined || typeof value === "function" || name === "ref") return;
  if (typeof value === "boolean" && BOOLEAN.has(name)) {
    if (value) buffer[0] += ` ${name}=""`;
    return;
  }
  buffer[0] += ` ${name}="`;
  if (typeof value === "number" || (value as HtmlEscapedString).isEscaped) buffer[0] += value;
  else escapeToBuffer(String(value), buffer);
  buffer[0] += '"';
}

/**
 * One element, component or fragment, rendered.
 *
 * @example
 * jsx("a", { href: "/dashboard?x=1&y=2", children: "<Batches>" }).toString();
 * // '<a href="/dashboard?x=1&amp;y=2">&lt;Batches&gt;</a>'
 */
export function jsx(tag: string | Component, props: Props): HtmlEscapedString {
  if (typeof tag === "function") {
    const buffer: Buffer = [""];
    child(tag(props), buffer);
    return raw(buffer[0]);
  }
  const buffer: Buffer = [tag ? `<${tag}` : ""];
  if (tag) {
    for (const name in props) if (name !== "children") attribute(name, props[name], buffer);
    const children = props.children;
    if (VOID.has(tag) && (!("children" in props) || (Array.isArray(children) && !children.length))) return raw(`${buffer[0]}/>`);
    buffer[0] += ">";
  }
  child(props.children, buffer);
  if (tag) buffer[0] += `</${tag}>`;
  return raw(buffer[0]);
}

/** `<>…</>`: its children only. */
export const Fragment = "";

export { jsx as jsxs, jsx as jsxDEV };
