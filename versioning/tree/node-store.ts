/**
 * Reading and writing tree nodes through the ObjectStore, with a bounded LRU of decoded nodes.
 * Nodes are immutable and named by their content, so a cached node never goes stale, whichever
 * copy of it was read. A node is read from its location in a node pack when its parent gives one,
 * else from its standalone object; roots are written standalone (put-if-absent), all other nodes
 * in node packs (node-pack.ts). The empty leaf is known without a read.
 */
import { CorruptDataError, InvalidArgumentError, NotFoundError } from '../errors.ts';
import type { ObjectHash } from '../ids.ts';
import { nodeKey, nodePackKey } from '../object-keys.ts';
import type { ObjectStore } from '../ports.ts';
import { decodeNode, type EncodedNode, encodeLeaf } from './node-codec.ts';
import { type NodeLocation, type NodePackOptions, NodePackWriter } from './node-pack.ts';
import { type ChildRef, nodeSpan, type TreeNode } from './tree-node.ts';

export interface NodeCacheOptions {
  /** Decoded nodes kept in memory at most. @default 4096 */
  readonly cacheNodes?: number;
  /** Stored bytes of the cached nodes at most (decoded, they take about twice that). @default 64 MiB */
  readonly cacheBytes?: number;
}

/**
 * Counts for tests and benchmarks: reads are nodes fetched from the store (cache misses); writes
 * are nodes stored, in packs or standalone, and packWrites the node packs among the puts.
 */
export interface NodeStoreStats {
  reads: number;
  cacheHits: number;
  writes: number;
  packWrites: number;
  bytesRead: number;
  bytesWritten: number;
}

const MAX_AHEAD = 512;
/** Standalone nodes known to be stored, remembered so that a root is not put twice; then forgotten. */
const MAX_KNOWN_STORED = 4096;
const EMPTY_LEAF = encodeLeaf([]);
/** The root of the empty tree: one empty leaf, which every reader knows without reading it. */
export const EMPTY_ROOT = EMPTY_LEAF.hash;

interface CachedNode {
  readonly node: TreeNode;
  readonly bytes: number;
}

export class NodeStore {
  readonly stats: NodeStoreStats = {
    reads: 0,
    cacheHits: 0,
    writes: 0,
    packWrites: 0,
    bytesRead: 0,
    bytesWritten: 0,
  };
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
  /** Standalone nodes seen or written (nodes are never deleted, so this never goes stale). */
  #knownStored = new Set<ObjectHash>();
  readonly #emptyLeaf = decodeNode(EMPTY_LEAF.hash, EMPTY_LEAF.bytes);

  constructor(store: ObjectStore, options: NodeCacheOptions = {}) {
    this.#store = store;
    this.#maxNodes = options.cacheNodes ?? 4096;
    this.#maxBytes = options.cacheBytes ?? 64 * 1024 * 1024;
  }

  /**
   * The node named `hash`, stored at `location` (absent: standalone). `keep: false` leaves it out
   * of the cache: scans (diffs, walks) pass each leaf once, and keeping them would only evict
   * nodes worth keeping and make the garbage collector copy them.
   */
  async read(hash: ObjectHash, location?: NodeLocation, keep = true): Promise<TreeNode> {
    if (hash === EMPTY_LEAF.hash) return this.#emptyLeaf;
    const cached = this.#cache.get(hash);
    if (cached !== undefined) {
      this.stats.cacheHits++;
      this.#cache.delete(hash);
      this.#cache.set(hash, cached);
      return cached.node;
    }
    const ahead = this.#ahead.get(hash);
    if (ahead !== undefined) this.#dropAhead(hash);
    const reading = this.#inFlight.get(hash) ?? this.#decode(hash, ahead ?? this.#fetch(hash, location));
    const { node, bytes } = await reading;
    if (keep) this.#remember(hash, node, bytes);
    return node;
  }

  /**
   * Reads the node a reference points at and checks that it is what the parent says it is: one
   * level down, with the same span and totals. A mismatch means a faulty writer.
   */
  async readChild(parentLevel: number, ref: ChildRef, keep = true): Promise<TreeNode> {
    const node = await this.read(ref.hash, ref.location, keep);
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
  prefetch(hash: ObjectHash, location: NodeLocation | undefined): void {
    if (this.#known(hash)) return;
    const reading = this.#fetch(hash, location);
    reading.catch(() => {});
    this.#ahead.set(hash, reading);
    if (this.#ahead.size > MAX_AHEAD) this.#dropAhead(this.#ahead.keys().next().value!);
  }

  /**
   * Starts reading nodes that lie close together in one node pack with a single ranged get (the
   * bytes between them are read and dropped); otherwise as `prefetch`. If that read fails, each
   * node is read on its own, so that one bad location fails no other node.
   */
  prefetchRun(nodes: readonly { readonly hash: ObjectHash; readonly location: NodeLocation }[]): void {
    const wanted = nodes.filter(({ hash }) => !this.#known(hash));
    const pack = wanted[0]?.location.pack;
    if (pack === undefined || wanted.length < 2 || wanted.some(({ location }) => location.pack !== pack)) {
      for (const { hash, location } of wanted) this.prefetch(hash, location);
      return;
    }
    const start = Math.min(...wanted.map(({ location }) => location.offset));
    const end = Math.max(...wanted.map(({ location }) => location.offset + location.length));
    const run = this.#store.get(nodePackKey(pack), { offset: start, length: end - start });
    for (const { hash, location } of wanted) {
      const reading = run.then(
        (bytes) => {
          this.stats.reads++;
          this.stats.bytesRead += location.length;
          // A copy: a view would keep the whole run's buffer alive in the cache for one node.
          return bytes.slice(location.offset - start, location.offset - start + location.length);
        },
        () => this.#fetch(hash, location),
      );
      reading.catch(() => {});
      this.#ahead.set(hash, reading);
    }
    while (this.#ahead.size > MAX_AHEAD) this.#dropAhead(this.#ahead.keys().next().value!);
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

  /** Whether a node needs no fetch: cached, being read, prefetched, or the empty leaf. */
  #known(hash: ObjectHash): boolean {
    return (
      this.#cache.has(hash) || this.#inFlight.has(hash) || this.#ahead.has(hash) || hash === EMPTY_LEAF.hash
    );
  }

  #dropAhead(hash: ObjectHash): void {
    this.#ahead.delete(hash);
    const waiters = this.#aheadWaiters;
    this.#aheadWaiters = [];
    for (const wake of waiters) wake();
  }

  /** A writer of node packs for one tree writer's nodes. */
  packWriter(options: NodePackOptions = {}): NodePackWriter {
    return new NodePackWriter(this.#store, this.stats, options);
  }

  /**
   * Stores a root as a standalone object (put-if-absent), unless it is known to be stored: a
   * commit that changes nothing, or the empty tree again, costs no put.
   */
  async writeStandalone({ hash, bytes }: EncodedNode): Promise<void> {
    if (this.#knownStored.has(hash)) return;
    if (await this.#store.putIfAbsent(nodeKey(hash), bytes)) {
      this.stats.writes++;
      this.stats.bytesWritten += bytes.byteLength;
    }
    this.#remembersStored(hash);
  }

  /** The stored bytes of the node `ref` points at, checked against its name. */
  async storedBytes(ref: ChildRef): Promise<Uint8Array> {
    const bytes = await this.#fetch(ref.hash, ref.location);
    decodeNode(ref.hash, bytes);
    return bytes;
  }

  async #fetch(hash: ObjectHash, location: NodeLocation | undefined): Promise<Uint8Array> {
    const bytes =
      location === undefined ? await this.#store.get(nodeKey(hash)) : await this.#fetchPacked(hash, location);
    if (location === undefined) this.#remembersStored(hash);
    this.stats.reads++;
    this.stats.bytesRead += bytes.byteLength;
    return bytes;
  }

  /** A packed node's bytes; a location that names no stored bytes is damage, like wrong bytes. */
  async #fetchPacked(hash: ObjectHash, { pack, offset, length }: NodeLocation): Promise<Uint8Array> {
    try {
      return await this.#store.get(nodePackKey(pack), { offset, length });
    } catch (error) {
      if (!(error instanceof NotFoundError || error instanceof InvalidArgumentError)) throw error;
      throw new CorruptDataError(
        `tree node ${hash} cannot be read at bytes ${offset}+${length} of node pack ${pack}: ${error.message}; its parent was written by a faulty writer or the store is damaged`,
        { cause: error },
      );
    }
  }

  #remembersStored(hash: ObjectHash): void {
    if (this.#knownStored.size >= MAX_KNOWN_STORED) this.#knownStored.clear();
    this.#knownStored.add(hash);
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
