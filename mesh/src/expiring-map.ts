/**
 * A bounded in-process map whose entries expire: what the mesh remembers to
 * keep work off the hot path (verified peer certificates and end-user
 * tokens, session answers). Full, it drops its oldest entry first (Map keeps
 * insertion order, and a set re-inserts).
 */
export class ExpiringMap<K, V> {
  private readonly entries = new Map<K, { readonly value: V; readonly expiresAt: number }>();

  constructor(private readonly maxEntries: number) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new Error(`ExpiringMap: maxEntries must be a positive integer, got ${maxEntries}`);
  }

  /** The value, while `now` is before its expiry; an expired entry is dropped. */
  get(key: K, now = Date.now()): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (now < entry.expiresAt) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  /** Remembers `value` until `expiresAt` (ms since the epoch). */
  set(key: K, value: V, expiresAt: number): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt });
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(oldest);
    }
  }
}
