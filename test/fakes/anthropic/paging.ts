/**
 * List paging shared by files and batches (docs/reference/provider-apis.md §1, §2.1): newest first, `limit` 1–1000
 * (default 20), `after_id` for the page after an object (older ones), `before_id` for the page
 * before it (newer ones), answered as `{data, first_id, last_id, has_more}`.
 *
 * Validation messages follow the API's pydantic wording ("limit: Input should be less than or
 * equal to 1000"). Not confirmed, so chosen: both cursors at once is a 400, and an unknown cursor
 * gives an empty page.
 */
import { ApiError } from "./http.ts";

export interface Page<T> {
  data: T[];
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
}

/**
 * One page of `newestFirst`.
 *
 * @example
 * pageOf([c, b, a], new URLSearchParams("limit=2"), (x) => x.id) // { data: [c, b], first_id: c.id, last_id: b.id, has_more: true }
 */
export function pageOf<T>(newestFirst: readonly T[], query: URLSearchParams, idOf: (item: T) => string): Page<T> {
  const limit = limitOf(query.get("limit"));
  const beforeId = query.get("before_id");
  const afterId = query.get("after_id");
  if (beforeId !== null && afterId !== null) throw ApiError.invalid("before_id and after_id cannot both be set");

  let data: T[];
  let hasMore: boolean;
  if (beforeId !== null) {
    const end = newestFirst.findIndex((item) => idOf(item) === beforeId);
    const start = Math.max(0, end - limit);
    data = end < 0 ? [] : newestFirst.slice(start, end);
    hasMore = end > 0 && start > 0;
  } else {
    const start = afterId === null ? 0 : indexAfter(newestFirst, afterId, idOf);
    data = start < 0 ? [] : newestFirst.slice(start, start + limit);
    hasMore = start >= 0 && start + limit < newestFirst.length;
  }
  const first = data[0];
  const last = data[data.length - 1];
  return {
    data,
    first_id: first === undefined ? null : idOf(first),
    last_id: last === undefined ? null : idOf(last),
    has_more: hasMore,
  };
}

/**
 * One page in the shape of the generally available Files API (what a request without the
 * `files-api-2025-04-14` beta gets): `limit`, an opaque `page` token and `ids` filter in,
 * `{data, next_page}` out. See docs/sources/anthropic.md § Files API GA shapes.
 * Chosen (not published): the token's form, and a 400 for a token the fake did not issue.
 *
 * @example
 * cursorPageOf([c, b, a], new URLSearchParams("limit=2"), (x) => x.id) // { data: [c, b], next_page: "<token>" }
 */
export function cursorPageOf<T>(newestFirst: readonly T[], query: URLSearchParams, idOf: (item: T) => string): { data: T[]; next_page: string | null } {
  const limit = limitOf(query.get("limit"));
  const ids = new Set([...query.getAll("ids"), ...query.getAll("ids[]")].flatMap((value) => value.split(",")).filter(Boolean));
  const items = ids.size > 0 ? newestFirst.filter((item) => ids.has(idOf(item))) : newestFirst;
  const token = query.get("page");
  let start = 0;
  if (token !== null) {
    const afterId = token.startsWith("page_") ? token.slice("page_".length) : null;
    const index = afterId === null ? -1 : items.findIndex((item) => idOf(item) === afterId);
    if (index < 0) throw ApiError.invalid(`page: Invalid page token: ${token}`);
    start = index + 1;
  }
  const data = items.slice(start, start + limit);
  const last = data[data.length - 1];
  return { data, next_page: start + limit < items.length && last !== undefined ? `page_${idOf(last)}` : null };
}

function indexAfter<T>(items: readonly T[], id: string, idOf: (item: T) => string): number {
  const index = items.findIndex((item) => idOf(item) === id);
  return index < 0 ? -1 : index + 1;
}

function limitOf(raw: string | null): number {
  if (raw === null) return 20;
  if (!/^-?\d+$/.test(raw.trim())) throw ApiError.invalid("limit: Input should be a valid integer, unable to parse string as an integer");
  const limit = Number(raw);
  if (limit < 1) throw ApiError.invalid("limit: Input should be greater than or equal to 1");
  if (limit > 1000) throw ApiError.invalid("limit: Input should be less than or equal to 1000");
  return limit;
}
