/**
 * `/v1/files`: the Anthropic Files API. Routes know the Anthropic wire only; the files
 * service does the rest.
 */
import type { Context } from "hono";
import { Hono } from "../lib/hono-app";
import type { Services } from "../core/services";
import { GatewayError } from "../lib/errors";
import { readFilePart } from "../lib/multipart-upload";
import type { AppEnv } from "./env";
import { jsonBody, JsonBodies } from "./json-bodies";
import { MAX_FILE_BYTES, parseListQuery, type ListQuery } from "./schemas";
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
  // `c.get`, not `c.var`: Hono builds a fresh object of every variable on each `c.var` read.
  const services = c.get("services");
  const provider = c.get("provider");
  // Listing one provider's files: a provider without a Files API answers as upload does.
  if (provider) services.files.requireApi(provider);
  const url = c.req.url;
  // Most lists name no IDs: the query string is parsed only when it mentions them.
  const ids = url.includes("ids") ? requestedIds(new URL(url).searchParams) : [];
  if (ids.length > 0) {
    if (ids.length > MAX_IDS) throw GatewayError.invalid(`ids: at most ${MAX_IDS} IDs per request`);
    if (c.req.query("page") !== undefined || c.req.query("limit") !== undefined) {
      throw GatewayError.invalid("ids cannot be combined with page or limit");
    }
    const found = await services.files.getMany(c.get("owner"), ids);
    return c.json({ ...listPage(found.map(fileToWire), false), next_page: null });
  }
  const query = listQueryOf(c, url);
  let afterId = query.after_id;
  if (query.page !== undefined) {
    const id = idFromPageToken(query.page);
    if (id === null) throw GatewayError.invalid(`page: not a page token this API issued: ${query.page}`);
    afterId = id;
  }
  const page = await services.files.list(c.get("owner"), provider, { limit: query.limit, beforeId: query.before_id, afterId });
  // The same page object comes back while this isolate keeps it: so does its body.
  const paged = query.before_id === undefined;
  return jsonBody(
    c,
    listBodies.of(page, paged ? "next_page" : "", () => {
      const body = listPage(page.items.map(fileToWire), page.hasMore);
      const nextPage = page.hasMore && paged && body.last_id ? pageToken(body.last_id) : null;
      return { ...body, next_page: nextPage };
    }),
  );
});

const listBodies = new JsonBodies<Awaited<ReturnType<Services["files"]["list"]>>>();

/**
 * Parsed list queries by query string: a client pages with the same few queries over and over,
 * and parsing one (Hono's decoding, then the schema) is most of a kept page's cost. Only
 * valid queries are kept (an invalid one throws as before); the parse is a pure function of
 * the query string, so a kept one is never stale. At most QUERIES_KEPT, the oldest dropped.
 */
const parsedQueries = new Map<string, ListQuery>();
const QUERIES_KEPT = 256;

function listQueryOf(c: Context<AppEnv>, url: string): ListQuery {
  const at = url.indexOf("?");
  const search = at === -1 ? "" : url.slice(at);
  let query = parsedQueries.get(search);
  if (query === undefined) {
    query = parseListQuery(c.req.query());
    if (parsedQueries.size >= QUERIES_KEPT) parsedQueries.delete(parsedQueries.keys().next().value!);
    parsedQueries.set(search, query);
  }
  return query;
}

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
