/**
 * The two storage ports the whole domain stands on. They are deliberately small (lakeFS's
 * kv.Store is the model): every backend — memory, local filesystem + SQLite, S3 + DynamoDB —
 * can honour them with single-item operations, and one contract suite per port
 * (test/contract/) proves that each adapter does.
 *
 * Rules every adapter keeps:
 * - Conditional outcomes (key exists, version moved on) are answered with `false`, never thrown.
 * - Any other failure is thrown as a domain error from ./errors.ts (NotFoundError for a missing
 *   object, UnavailableError for a backend that cannot be reached), never as a driver's own type.
 * - Keys are printable ASCII (0x21–0x7e): names, IDs and hashes joined by '/'. File paths never
 *   appear in keys. Scans return keys in byte order.
 */

/**
 * Immutable, content- or ID-named objects: packs, tree nodes, chunk lists, staged deltas.
 * No key is also the folder of another ('a/b' beside 'a/b/c'): a filesystem cannot hold both,
 * and the local adapter answers such a put with ConflictError.
 */
export interface ObjectStore {
  /**
   * Stores `bytes` under `key` unless the key already exists. Returns true when this call wrote
   * the object and false when it was already there (the stored bytes are left untouched).
   * A reader never observes a partly written object.
   */
  putIfAbsent(key: string, bytes: Uint8Array): Promise<boolean>;
  /** The object's bytes, or the `length` bytes from `offset` on. Throws NotFoundError when absent. */
  get(key: string, range?: ByteRange): Promise<Uint8Array>;
  /** The object's size, or undefined when absent. */
  head(key: string): Promise<{ size: number } | undefined>;
  /** One page of keys under `prefix`, in byte order, strictly after `after` when given. */
  list(prefix: string, options?: ListOptions): Promise<Page<ObjectInfo>>;
  /** Removes the object; removing an absent object is not an error. */
  delete(key: string): Promise<void>;
}

export interface ByteRange {
  readonly offset: number;
  readonly length: number;
}

export interface ListOptions {
  /** Resume after this key (exclusive); pass the previous page's `next`. */
  readonly after?: string;
  /** At most this many results (the adapter may return fewer). Default 1000. */
  readonly limit?: number;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Pass as `after` to get the next page; absent on the last page. */
  readonly next?: string;
}

export interface ObjectInfo {
  readonly key: string;
  readonly size: number;
}

/** Small mutable metadata records: the commit graph, branch heads, the chunk index. */
export interface KvStore {
  get(key: string): Promise<KvItem | undefined>;
  /** Batched `get`: one result per key, in the same order. */
  getMany(keys: readonly string[]): Promise<(KvItem | undefined)[]>;
  /** Writes `value` at version 1 unless the key exists. True when this call wrote it. */
  putIfAbsent(key: string, value: string): Promise<boolean>;
  /**
   * Writes unconditionally, many at a time. Only for idempotent records where any writer's value
   * is as good as another's (the chunk index: every location of a chunk holds the same bytes).
   * Each item is stored at version 1, whatever its version was (DynamoDB's batch write can only
   * replace whole items).
   */
  putMany(items: readonly { key: string; value: string }[]): Promise<void>;
  /**
   * Replaces the value if the stored version equals `expectedVersion`, and bumps the version.
   * True when this call won; false when the key is absent or its version moved on.
   */
  compareAndSet(key: string, expectedVersion: number, value: string): Promise<boolean>;
  /**
   * Removes the key; with `expectedVersion` only when the version still matches. True when this
   * call removed it.
   */
  delete(key: string, expectedVersion?: number): Promise<boolean>;
  /** One page of items whose key starts with `prefix`, in key order, strictly after `after`. */
  scan(prefix: string, options?: ListOptions): Promise<Page<KvItem>>;
}

export interface KvItem {
  readonly key: string;
  readonly value: string;
  /** Starts at 1 and grows by one with each successful compare-and-set. */
  readonly version: number;
}

/** Iterates every page of an ObjectStore or KvStore listing. */
export async function* allPages<T>(
  fetchPage: (after: string | undefined) => Promise<Page<T>>,
): AsyncGenerator<T> {
  let after: string | undefined;
  do {
    const page = await fetchPage(after);
    yield* page.items;
    after = page.next;
  } while (after !== undefined);
}
