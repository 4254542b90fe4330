/**
 * Keyset paging over time-sortable IDs, newest first, as Anthropic's lists page:
 * `after_id` walks to older items, `before_id` to newer ones.
 */

export interface PageQuery {
  limit: number;
  beforeId?: string | undefined;
  afterId?: string | undefined;
}

export interface PageOf<T> {
  items: T[];
  hasMore: boolean;
}

/**
 * SQL for one page of `table` rows matching `where`, plus the bound values. One extra row
 * is read to learn `has_more` without a count.
 *
 * @example
 * const { sql, values } = pageSql("files", "owner = ?", ["o1"], { limit: 20, afterId: "file_01…" });
 */
export function pageSql(table: string, where: string, values: unknown[], page: PageQuery): { sql: string; values: unknown[]; reversed: boolean } {
  if (page.beforeId !== undefined) {
    return {
      sql: `SELECT * FROM ${table} WHERE ${where} AND id > ? ORDER BY id ASC LIMIT ?`,
      values: [...values, page.beforeId, page.limit + 1],
      reversed: true,
    };
  }
  const after = page.afterId !== undefined ? " AND id < ?" : "";
  return {
    sql: `SELECT * FROM ${table} WHERE ${where}${after} ORDER BY id DESC LIMIT ?`,
    values: page.afterId !== undefined ? [...values, page.afterId, page.limit + 1] : [...values, page.limit + 1],
    reversed: false,
  };
}

/**
 * Trims the extra row and restores newest-first order.
 *
 * @example
 * const page = toPage(rows, 20, reversed);
 */
export function toPage<T>(rows: T[], limit: number, reversed: boolean): PageOf<T> {
  const hasMore = rows.length > limit;
  const items = rows.slice(0, limit);
  if (reversed) items.reverse();
  return { items, hasMore };
}
