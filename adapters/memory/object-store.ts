import { NotFoundError } from '../../versioning/errors.ts';
import type { ByteRange, ListOptions, ObjectInfo, ObjectStore, Page } from '../../versioning/ports.ts';
import { assertKeyPrefix, assertRangeWithin, assertStorageKey, pageLimit } from '../storage-rules.ts';
import { SortedKeys } from './sorted-keys.ts';

/** Requests served, one per call (a listing counts one per page), as S3 would bill them. */
export interface ObjectStoreStats {
  puts: number;
  gets: number;
  heads: number;
  lists: number;
  deletes: number;
  /** Bytes handed to putIfAbsent calls that stored them. */
  bytesWritten: number;
  /** Bytes returned by get. */
  bytesRead: number;
}

/**
 * An ObjectStore in one process's memory, for tests and benchmarks. Bytes are copied on the way
 * in and out, so no caller can change a stored object by mutating an array.
 */
export class MemoryObjectStore implements ObjectStore {
  /** Counts of the requests served so far; `resetStats()` zeroes them. */
  readonly stats: ObjectStoreStats = emptyStats();
  readonly #objects = new Map<string, Uint8Array>();
  readonly #keys = new SortedKeys();

  async putIfAbsent(key: string, bytes: Uint8Array): Promise<boolean> {
    assertStorageKey(key);
    this.stats.puts++;
    if (this.#objects.has(key)) return false;
    this.#objects.set(key, new Uint8Array(bytes));
    this.#keys.add(key);
    this.stats.bytesWritten += bytes.byteLength;
    return true;
  }

  async get(key: string, range?: ByteRange): Promise<Uint8Array> {
    assertStorageKey(key);
    this.stats.gets++;
    const stored = this.#objects.get(key);
    if (stored === undefined) {
      throw new NotFoundError(`object ${key} does not exist`);
    }
    if (range !== undefined) assertRangeWithin(key, range, stored.byteLength);
    const copy =
      range === undefined ? stored.slice() : stored.slice(range.offset, range.offset + range.length);
    this.stats.bytesRead += copy.byteLength;
    return copy;
  }

  async head(key: string): Promise<{ size: number } | undefined> {
    assertStorageKey(key);
    this.stats.heads++;
    const stored = this.#objects.get(key);
    return stored === undefined ? undefined : { size: stored.byteLength };
  }

  async list(prefix: string, options: ListOptions = {}): Promise<Page<ObjectInfo>> {
    assertKeyPrefix(prefix);
    const limit = pageLimit(options.limit);
    this.stats.lists++;
    const { keys, more } = this.#keys.page(prefix, options.after, limit);
    const items = keys.map((key) => ({ key, size: this.#objects.get(key)!.byteLength }));
    const last = keys.at(-1);
    return more && last !== undefined ? { items, next: last } : { items };
  }

  async delete(key: string): Promise<void> {
    assertStorageKey(key);
    this.stats.deletes++;
    if (this.#objects.delete(key)) this.#keys.remove(key);
  }

  resetStats(): void {
    Object.assign(this.stats, emptyStats());
  }
}

function emptyStats(): ObjectStoreStats {
  return { puts: 0, gets: 0, heads: 0, lists: 0, deletes: 0, bytesWritten: 0, bytesRead: 0 };
}
