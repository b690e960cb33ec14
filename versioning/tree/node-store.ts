/**
 * Reading and writing tree nodes through the ObjectStore, with a bounded LRU of decoded nodes.
 * Nodes are immutable and named by their content, so a cached node never goes stale and a write
 * of a node that already exists is a no-op (put-if-absent).
 */
import { CorruptDataError } from '../errors.ts';
import type { ObjectHash } from '../ids.ts';
import { nodeKey } from '../object-keys.ts';
import type { ObjectStore } from '../ports.ts';
import { decodeNode, type EncodedNode } from './node-codec.ts';
import { type ChildRef, nodeSpan, type TreeNode } from './tree-node.ts';

export interface NodeCacheOptions {
  /** Decoded nodes kept in memory at most. @default 4096 */
  readonly cacheNodes?: number;
  /** Stored bytes of the cached nodes at most (decoded, they take about twice that). @default 64 MiB */
  readonly cacheBytes?: number;
}

/** Counts for tests and benchmarks: reads are nodes fetched from the store (cache misses). */
export interface NodeStoreStats {
  reads: number;
  cacheHits: number;
  writes: number;
  bytesRead: number;
  bytesWritten: number;
}

const MAX_AHEAD = 512;

interface CachedNode {
  readonly node: TreeNode;
  readonly bytes: number;
}

export class NodeStore {
  readonly stats: NodeStoreStats = { reads: 0, cacheHits: 0, writes: 0, bytesRead: 0, bytesWritten: 0 };
  readonly #store: ObjectStore;
  readonly #maxNodes: number;
  readonly #maxBytes: number;
  /** Map order is recency order: a hit moves the node to the end, eviction takes from the front. */
  readonly #cache = new Map<ObjectHash, CachedNode>();
  readonly #inFlight = new Map<ObjectHash, Promise<{ node: TreeNode; bytes: number }>>();
  /**
   * Prefetched nodes waiting for their read, as stored bytes: decoded only when taken, so that
   * waiting nodes are no work for the garbage collector. Past MAX_AHEAD the oldest are dropped.
   */
  readonly #ahead = new Map<ObjectHash, Promise<Uint8Array>>();
  #aheadWaiters: (() => void)[] = [];
  #cachedBytes = 0;

  constructor(store: ObjectStore, options: NodeCacheOptions = {}) {
    this.#store = store;
    this.#maxNodes = options.cacheNodes ?? 4096;
    this.#maxBytes = options.cacheBytes ?? 64 * 1024 * 1024;
  }

  /**
   * The node named `hash`. `keep: false` leaves it out of the cache: scans (diffs, walks) pass
   * each leaf once, and keeping them would only evict nodes worth keeping and make the garbage
   * collector copy them.
   */
  async read(hash: ObjectHash, keep = true): Promise<TreeNode> {
    const cached = this.#cache.get(hash);
    if (cached !== undefined) {
      this.stats.cacheHits++;
      this.#cache.delete(hash);
      this.#cache.set(hash, cached);
      return cached.node;
    }
    const ahead = this.#ahead.get(hash);
    if (ahead !== undefined) this.#dropAhead(hash);
    const reading = this.#inFlight.get(hash) ?? this.#decode(hash, ahead ?? this.#fetch(hash));
    const { node, bytes } = await reading;
    if (keep) this.#remember(hash, node, bytes);
    return node;
  }

  /**
   * Reads the node a reference points at and checks that it is what the parent says it is: one
   * level down, with the same span and totals. A mismatch means a faulty writer.
   */
  async readChild(parentLevel: number, ref: ChildRef, keep = true): Promise<TreeNode> {
    const node = await this.read(ref.hash, keep);
    const span = nodeSpan(node);
    if (
      node.level !== parentLevel - 1 ||
      span?.first !== ref.first ||
      span.last !== ref.last ||
      node.fileCount !== ref.fileCount ||
      node.totalBytes !== ref.totalBytes
    ) {
      const found = span
        ? `span ${span.first} … ${span.last}, ${node.fileCount} files, ${node.totalBytes} bytes`
        : 'no items';
      throw new CorruptDataError(
        `tree node ${ref.hash} does not match its parent's reference (level ${node.level}, ${found}; expected level ${parentLevel - 1}, span ${ref.first} … ${ref.last}, ${ref.fileCount} files, ${ref.totalBytes} bytes); the tree was written by a faulty writer`,
      );
    }
    return node;
  }

  /** Starts reading a node into the cache without waiting; a failure surfaces on the real read. */
  prefetch(hash: ObjectHash): void {
    if (this.#cache.has(hash) || this.#inFlight.has(hash) || this.#ahead.has(hash)) return;
    const reading = this.#fetch(hash);
    reading.catch(() => {});
    this.#ahead.set(hash, reading);
    if (this.#ahead.size > MAX_AHEAD) this.#dropAhead(this.#ahead.keys().next().value!);
  }

  /** Forgets a prefetched node nobody took (its read is not undone). */
  cancelPrefetch(hash: ObjectHash): void {
    if (this.#ahead.has(hash)) this.#dropAhead(hash);
  }

  /** Prefetched nodes not yet taken by a read. */
  get waitingAhead(): number {
    return this.#ahead.size;
  }

  /** Resolves when a prefetched node is next taken by a read (or dropped). */
  aheadTaken(): Promise<void> {
    return new Promise((resolve) => this.#aheadWaiters.push(resolve));
  }

  #dropAhead(hash: ObjectHash): void {
    this.#ahead.delete(hash);
    const waiters = this.#aheadWaiters;
    this.#aheadWaiters = [];
    for (const wake of waiters) wake();
  }

  /** Stores an encoded node (put-if-absent). */
  async write({ hash, bytes }: EncodedNode): Promise<void> {
    if (await this.#store.putIfAbsent(nodeKey(hash), bytes)) {
      this.stats.writes++;
      this.stats.bytesWritten += bytes.byteLength;
    }
  }

  async #fetch(hash: ObjectHash): Promise<Uint8Array> {
    const bytes = await this.#store.get(nodeKey(hash));
    this.stats.reads++;
    this.stats.bytesRead += bytes.byteLength;
    return bytes;
  }

  #decode(hash: ObjectHash, fetching: Promise<Uint8Array>): Promise<{ node: TreeNode; bytes: number }> {
    const reading = fetching
      .then((bytes) => ({ node: decodeNode(hash, bytes), bytes: bytes.byteLength }))
      .finally(() => this.#inFlight.delete(hash));
    this.#inFlight.set(hash, reading);
    return reading;
  }

  #remember(hash: ObjectHash, node: TreeNode, bytes: number): void {
    if (this.#cache.has(hash) || bytes > this.#maxBytes) return;
    this.#cache.set(hash, { node, bytes });
    this.#cachedBytes += bytes;
    while (this.#cache.size > this.#maxNodes || this.#cachedBytes > this.#maxBytes) {
      const oldest = this.#cache.entries().next().value;
      if (oldest === undefined) break;
      this.#cache.delete(oldest[0]);
      this.#cachedBytes -= oldest[1].bytes;
    }
  }
}
