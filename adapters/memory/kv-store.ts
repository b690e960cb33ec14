import type { KvItem, KvStore, ListOptions, Page } from '../../versioning/ports.ts';
import { assertKeyPrefix, assertStorageKey, pageLimit } from '../storage-rules.ts';
import { SortedKeys } from './sorted-keys.ts';

/**
 * Requests served, one per call, plus the items they touched: a DynamoDB adapter turns a
 * `getMany` of n keys into ⌈n/100⌉ requests and a `putMany` into ⌈n/25⌉, so benchmarks need both.
 */
export interface KvStoreStats {
  gets: number;
  getManys: number;
  putIfAbsents: number;
  putManys: number;
  compareAndSets: number;
  deletes: number;
  scans: number;
  /** Items asked for by get and getMany, found or not. */
  itemsRead: number;
  /** Items written by putIfAbsent, putMany and compareAndSet. */
  itemsWritten: number;
}

/** A KvStore in one process's memory, for tests and benchmarks. */
export class MemoryKvStore implements KvStore {
  /** Counts of the requests served so far; `resetStats()` zeroes them. */
  readonly stats: KvStoreStats = emptyStats();
  readonly #items = new Map<string, KvItem>();
  readonly #keys = new SortedKeys();

  async get(key: string): Promise<KvItem | undefined> {
    assertStorageKey(key);
    this.stats.gets++;
    this.stats.itemsRead++;
    return this.#items.get(key);
  }

  async getMany(keys: readonly string[]): Promise<(KvItem | undefined)[]> {
    for (const key of keys) assertStorageKey(key);
    this.stats.getManys++;
    this.stats.itemsRead += keys.length;
    return keys.map((key) => this.#items.get(key));
  }

  async putIfAbsent(key: string, value: string): Promise<boolean> {
    assertStorageKey(key);
    this.stats.putIfAbsents++;
    if (this.#items.has(key)) return false;
    this.#set({ key, value, version: 1 });
    this.stats.itemsWritten++;
    return true;
  }

  async putMany(items: readonly { key: string; value: string }[]): Promise<void> {
    for (const { key } of items) assertStorageKey(key);
    this.stats.putManys++;
    this.stats.itemsWritten += items.length;
    for (const { key, value } of items) this.#set({ key, value, version: 1 });
  }

  async compareAndSet(key: string, expectedVersion: number, value: string): Promise<boolean> {
    assertStorageKey(key);
    this.stats.compareAndSets++;
    const stored = this.#items.get(key);
    if (stored === undefined || stored.version !== expectedVersion) return false;
    this.#set({ key, value, version: stored.version + 1 });
    this.stats.itemsWritten++;
    return true;
  }

  async delete(key: string, expectedVersion?: number): Promise<boolean> {
    assertStorageKey(key);
    this.stats.deletes++;
    const stored = this.#items.get(key);
    if (stored === undefined) return false;
    if (expectedVersion !== undefined && stored.version !== expectedVersion) return false;
    this.#items.delete(key);
    this.#keys.remove(key);
    return true;
  }

  async scan(prefix: string, options: ListOptions = {}): Promise<Page<KvItem>> {
    assertKeyPrefix(prefix);
    const limit = pageLimit(options.limit);
    this.stats.scans++;
    const { keys, more } = this.#keys.page(prefix, options.after, limit);
    const items = keys.map((key) => this.#items.get(key)!);
    const last = keys.at(-1);
    return more && last !== undefined ? { items, next: last } : { items };
  }

  resetStats(): void {
    Object.assign(this.stats, emptyStats());
  }

  /** Items are replaced whole, never mutated, so handing out the stored object is safe. */
  #set(item: KvItem): void {
    if (!this.#items.has(item.key)) this.#keys.add(item.key);
    this.#items.set(item.key, Object.freeze(item));
  }
}

function emptyStats(): KvStoreStats {
  return {
    gets: 0,
    getManys: 0,
    putIfAbsents: 0,
    putManys: 0,
    compareAndSets: 0,
    deletes: 0,
    scans: 0,
    itemsRead: 0,
    itemsWritten: 0,
  };
}
