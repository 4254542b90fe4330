/**
 * `/v1/files`: the Anthropic Files API. Routes know the Anthropic wire only; the files
 * service does the rest.
 */
import { Hono } from "../lib/hono-app";
import { GatewayError } from "../lib/errors";
import { readFilePart } from "../lib/multipart-upload";
import type { AppEnv } from "./env";
import { MAX_FILE_BYTES, parseListQuery } from "./schemas";
import { fileToWire, idFromPageToken, listPage, pageToken } from "./wire";

export const files = new Hono<AppEnv>();

const MAX_IDS = 100;

files.post("/", async (c) => {
  const provider = c.var.provider ?? "anthropic";
  c.var.services.keys.assertProviderAllowed(c.var.caller, provider);
  c.var.services.files.assertUploadable(provider);
  const part = await readFilePart(c.req.raw, "file", { maxFileBytes: MAX_FILE_BYTES });
  try {
    const file = await c.var.services.files.upload(c.var.owner, provider, {
      filename: part.filename,
      mimeType: part.contentType,
      sizeBytes: part.sizeBytes,
      body: part.body,
    });
    return c.json(fileToWire(file));
  } catch (error) {
    throw part.failure() ?? error;
  }
});

// Two generations of paging share this route: `before_id`/`after_id` with `first_id`,
// `last_id`, `has_more`, and the current SDKs' `page` token with `next_page`; every page
// carries both, so each style walks every file exactly once.
files.get("/", async (c) => {
  // Listing one provider's files: a provider without a Files API answers as upload does.
  if (c.var.provider) c.var.services.files.requireApi(c.var.provider);
  // Most lists name no IDs: the query string is parsed only when it mentions them.
  const ids = c.req.url.includes("ids") ? requestedIds(new URL(c.req.url).searchParams) : [];
  if (ids.length > 0) {
    if (ids.length > MAX_IDS) throw GatewayError.invalid(`ids: at most ${MAX_IDS} IDs per request`);
    if (c.req.query("page") !== undefined || c.req.query("limit") !== undefined) {
      throw GatewayError.invalid("ids cannot be combined with page or limit");
    }
    const found = await c.var.services.files.getMany(c.var.owner, ids);
    return c.json({ ...listPage(found.map(fileToWire), false), next_page: null });
  }
  const query = parseListQuery(c.req.query());
  let afterId = query.after_id;
  if (query.page !== undefined) {
    const id = idFromPageToken(query.page);
    if (id === null) throw GatewayError.invalid(`page: not a page token this API issued: ${query.page}`);
    afterId = id;
  }
  const page = await c.var.services.files.list(c.var.owner, c.var.provider, { limit: query.limit, beforeId: query.before_id, afterId });
  const body = listPage(page.items.map(fileToWire), page.hasMore);
  const nextPage = page.hasMore && query.before_id === undefined && body.last_id ? pageToken(body.last_id) : null;
  return c.json({ ...body, next_page: nextPage });
});

files.get("/:id", async (c) => {
  const file = await c.var.services.files.get(c.var.owner, c.req.param("id"));
  return c.json(fileToWire(file));
});

files.get("/:id/content", async (c) => {
  const download = await c.var.services.files.download(c.var.owner, c.req.param("id"));
  const headers = new Headers({ "content-type": download.contentType });
  if (download.contentLength !== null) headers.set("content-length", String(download.contentLength));
  return new Response(download.body, { headers });
});

files.delete("/:id", async (c) => {
  const id = c.req.param("id");
  await c.var.services.files.delete(c.var.owner, id);
  return c.json({ id, type: "file_deleted" });
});

/** `ids` as the SDKs send it: `ids[]=a&ids[]=b` (TypeScript), `ids=a&ids=b`, or comma-joined. */
function requestedIds(params: URLSearchParams): string[] {
  const values = [...params.getAll("ids"), ...params.getAll("ids[]")];
  return [...new Set(values.flatMap((value) => value.split(",")).map((id) => id.trim()).filter(Boolean))];
}
