/**
 * `/v1/files`: the Anthropic Files API. Routes know the Anthropic wire only; the files
 * service does the rest.
 */
import { Hono } from "hono";
import { deleteFile, downloadFile, filesOf, getFile, requireFilesApi, uploadFile } from "../core/files";
import { isGatewayId } from "../core/ids";
import { assertProviderAllowed } from "../core/keys";
import { GatewayError } from "../lib/errors";
import { readFilePart } from "../lib/multipart-upload";
import type { AppEnv } from "./env";
import { MAX_FILE_BYTES, parseListQuery } from "./schemas";
import { fileToWire, idFromPageToken, listPage, pageToken } from "./wire";

export const files = new Hono<AppEnv>();

const MAX_IDS = 100;

files.post("/", async (c) => {
  const provider = c.var.provider ?? "anthropic";
  assertProviderAllowed(c.var.caller, provider);
  filesOf(c.var.gateway, provider);
  const part = await readFilePart(c.req.raw, "file", { maxFileBytes: MAX_FILE_BYTES });
  try {
    const file = await uploadFile(c.var.gateway, c.var.owner, provider, {
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
  if (c.var.provider) requireFilesApi(c.var.gateway, c.var.provider);
  const ids = requestedIds(new URL(c.req.url).searchParams);
  if (ids.length > 0) {
    if (ids.length > MAX_IDS) throw GatewayError.invalid(`ids: at most ${MAX_IDS} IDs per request`);
    if (c.req.query("page") !== undefined || c.req.query("limit") !== undefined) {
      throw GatewayError.invalid("ids cannot be combined with page or limit");
    }
    const found = await c.var.gateway.files.getMany(c.var.owner, ids.filter((id) => isGatewayId(id, "file")));
    return c.json({ ...listPage(found.map(fileToWire), false), next_page: null });
  }
  const query = parseListQuery(c.req.query());
  let afterId = query.after_id;
  if (query.page !== undefined) {
    const id = idFromPageToken(query.page);
    if (id === null) throw GatewayError.invalid(`page: not a page token this API issued: ${query.page}`);
    afterId = id;
  }
  const page = await c.var.gateway.files.list(
    c.var.owner,
    c.var.provider,
    { limit: query.limit, beforeId: query.before_id, afterId },
    new Date().toISOString(),
  );
  const body = listPage(page.items.map(fileToWire), page.hasMore);
  const nextPage = page.hasMore && query.before_id === undefined && body.last_id ? pageToken(body.last_id) : null;
  return c.json({ ...body, next_page: nextPage });
});

files.get("/:id", async (c) => {
  const file = await getFile(c.var.gateway, c.var.owner, fileIdParam(c.req.param("id")));
  return c.json(fileToWire(file));
});

files.get("/:id/content", async (c) => {
  const download = await downloadFile(c.var.gateway, c.var.owner, fileIdParam(c.req.param("id")));
  const headers = new Headers({ "content-type": download.contentType });
  if (download.contentLength !== null) headers.set("content-length", String(download.contentLength));
  return new Response(download.body, { headers });
});

files.delete("/:id", async (c) => {
  const id = fileIdParam(c.req.param("id"));
  await deleteFile(c.var.gateway, c.var.owner, id);
  return c.json({ id, type: "file_deleted" });
});

/** A path ID that cannot be a gateway file ID is answered like an unknown one. */
function fileIdParam(id: string): string {
  if (!isGatewayId(id, "file")) throw GatewayError.notFound(`File not found: ${id}`);
  return id;
}

/** `ids` as the SDKs send it: `ids[]=a&ids[]=b` (TypeScript), `ids=a&ids=b`, or comma-joined. */
function requestedIds(params: URLSearchParams): string[] {
  const values = [...params.getAll("ids"), ...params.getAll("ids[]")];
  return [...new Set(values.flatMap((value) => value.split(",")).map((id) => id.trim()).filter(Boolean))];
}
