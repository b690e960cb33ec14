import type { FilePath, ObjectHash } from '../ids.ts';
import type { ObjectStore } from '../ports.ts';
import { EMPTY_ROOT, type NodeCacheOptions, NodeStore, type NodeStoreStats } from './node-store.ts';
import { type DiffOptions, diffTrees } from './tree-diff.ts';
import { globTree } from './tree-glob.ts';
import { applyChanges } from './tree-merge.ts';
import {
  directoryExists,
  getEntry,
  listDirectory,
  statPath,
  treeSummary,
  type WalkOptions,
  walkEntries,
} from './tree-reader.ts';
import { TreeShape, type TreeShapeOptions, wholeNumber } from './tree-shape.ts';
import { TreeWriter } from './tree-writer.ts';
import type { FileEntry, TreeChange, TreeDifference, TreeItem, TreeSummary } from './types.ts';

export interface FileIndexOptions extends TreeShapeOptions, NodeCacheOptions {
  /** Node pack puts in flight at once while a tree is written (each up to maxPackBytes). @default 2 */
  readonly maxPuts?: number;
  /** A node pack is stored once it would grow past this many bytes. @default 8 MiB */
  readonly maxPackBytes?: number;
  /** Leaves read ahead of a walk, so that store latency overlaps. @default 8 */
  readonly readAhead?: number;
}

/** Reads and writes file trees (see index.ts for the model); one instance per ObjectStore. */
export class FileIndex {
  /** Node reads (cache misses), cache hits and node writes so far. */
  readonly stats: NodeStoreStats;
  readonly #nodes: NodeStore;
  readonly #shape: TreeShape;
  readonly #maxPuts: number;
  readonly #maxPackBytes: number;
  readonly #readAhead: number;

  constructor(store: ObjectStore, options: FileIndexOptions = {}) {
    this.#shape = new TreeShape(options);
    this.#nodes = new NodeStore(store, {
      cacheNodes: wholeNumber('cacheNodes', options.cacheNodes ?? 4096, 0, 2 ** 30),
      cacheBytes: wholeNumber('cacheBytes', options.cacheBytes ?? 64 * 1024 * 1024, 0, 2 ** 50),
    });
    this.stats = this.#nodes.stats;
    this.#maxPuts = wholeNumber('maxPuts', options.maxPuts ?? 2, 1, 1024);
    this.#maxPackBytes = wholeNumber('maxPackBytes', options.maxPackBytes ?? 8 * 1024 * 1024, 1, 2 ** 31);
    this.#readAhead = wholeNumber('readAhead', options.readAhead ?? 8, 0, 1024);
  }

  /** A writer for a tree built from scratch, entries given in path order. */
  writer(): TreeWriter {
    return new TreeWriter(this.#nodes, this.#shape, {
      maxPuts: this.#maxPuts,
      maxPackBytes: this.#maxPackBytes,
    });
  }

  /** Builds a tree from entries in path order (InvalidArgumentError otherwise). */
  async build(entries: AsyncIterable<FileEntry> | Iterable<FileEntry>): Promise<TreeSummary> {
    const writer = this.writer();
    for await (const entry of entries) await writer.append(entry);
    return writer.finish();
  }

  /**
   * The root of the empty tree (one empty leaf), the base of a first commit. Every reader knows
   * the empty leaf without reading it, so this stores nothing.
   */
  async emptyRoot(): Promise<ObjectHash> {
    return EMPTY_ROOT;
  }

  /**
   * The tree `root` with `changes` applied: sorted by path, one change per path
   * (InvalidArgumentError otherwise). Costs O(changes × depth) node reads and writes.
   */
  async apply(
    root: ObjectHash,
    changes: AsyncIterable<TreeChange> | Iterable<TreeChange>,
  ): Promise<TreeSummary> {
    return applyChanges(this.#nodes, this.writer(), root, changes);
  }

  /** File count and total bytes, from the root node alone. */
  async summary(root: ObjectHash): Promise<TreeSummary> {
    return treeSummary(this.#nodes, root);
  }

  async get(root: ObjectHash, path: FilePath): Promise<FileEntry | undefined> {
    return getEntry(this.#nodes, root, path);
  }

  walk(root: ObjectHash, options: WalkOptions = {}): AsyncGenerator<FileEntry> {
    return walkEntries(this.#nodes, root, options, { readAhead: this.#readAhead, keepLeaves: false });
  }

  listDir(root: ObjectHash, dir: FilePath): AsyncGenerator<TreeItem> {
    return listDirectory(this.#nodes, root, dir);
  }

  async stat(root: ObjectHash, path: FilePath): Promise<TreeItem | undefined> {
    return statPath(this.#nodes, root, path);
  }

  async dirExists(root: ObjectHash, dir: FilePath): Promise<boolean> {
    return directoryExists(this.#nodes, root, dir);
  }

  glob(root: ObjectHash, pattern: string): AsyncGenerator<TreeItem> {
    return globTree(this.#nodes, root, pattern);
  }

  diff(oldRoot: ObjectHash, newRoot: ObjectHash, options: DiffOptions = {}): AsyncGenerator<TreeDifference> {
    return diffTrees(this.#nodes, oldRoot, newRoot, options);
  }
}
