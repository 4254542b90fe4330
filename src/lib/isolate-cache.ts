/**
 * A small cache that lives as long as the Worker's isolate: what a hot request would otherwise
 * read from D1 or KV on every call. Entries expire after the time each was stored with, the
 * oldest are dropped beyond `maxEntries`, and an entry can be dropped at once (by the isolate
 * that changes what it holds; other isolates see the change when their entry expires).
 *
 * A read that started before an invalidation must not store what it read: `ticket()` is taken
 * before the read, and `set` ignores a value whose ticket predates any invalidation since.
 *
 * @example
 * const cache = new IsolateCache<VirtualKey>(1000);
 * const ticket = cache.ticket();
 * const key = cache.get(hash) ?? (await store.findActive(hash));
 * if (key) cache.set(hash, key, 5_000, ticket);
 */
export class IsolateCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();
  private invalidations = 0;

  constructor(private readonly maxEntries: number) {}

  /** The value stored for `key` if it has not expired. */
  get(key: string, now = Date.now()): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.until <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Taken before a read whose result may be stored. */
  ticket(): number {
    return this.invalidations;
  }

  /** Stores `value` for `ttlMs`, unless something was invalidated since `ticket` was taken. */
  set(key: string, value: V, ttlMs: number, ticket: number, now = Date.now()): void {
    if (ttlMs <= 0 || ticket !== this.invalidations) return;
    this.entries.delete(key);
    this.entries.set(key, { value, until: now + ttlMs });
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  /** Drops `key` here and now, and any read of it in flight will not store what it read. */
  delete(key: string): void {
    this.invalidations++;
    this.entries.delete(key);
  }

  /** Drops every entry here and now (for a write that may change any of them), reads in flight included. */
  clear(): void {
    this.invalidations++;
    this.entries.clear();
  }
}
