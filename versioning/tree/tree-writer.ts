/**
 * Builds a tree from entries given in path order, in one pass and bounded memory: one open node
 * per level. When a node ends (tree-shape.ts) it is encoded, added to the writer's node pack and
 * its reference, with its place in the pack, appended to the level above, which may end in turn.
 * Packs are stored in the background as they fill (a bounded number of puts in flight). The root
 * is stored last, as an object of its own, once every pack under it is stored. Memory is
 * O(levels × maximum node size) plus the packs being filled and stored.
 */
import { InvalidArgumentError } from '../errors.ts';
import type { FilePath } from '../ids.ts';
import { encodeBranch, encodeLeaf } from './node-codec.ts';
import type { NodeLocation, NodePackOptions, NodePackWriter } from './node-pack.ts';
import type { NodeStore } from './node-store.ts';
import type { ChildRef } from './tree-node.ts';
import { estimateEntryBytes, estimateRefBytes, type TreeShape } from './tree-shape.ts';
import type { FileEntry, TreeSummary } from './types.ts';

/** The node being filled at one level: entries at level 0, child references above. */
interface OpenNode {
  items: (FileEntry | ChildRef)[];
  bytes: number;
  lastPath: string;
}

export class TreeWriter {
  readonly #nodes: NodeStore;
  readonly #shape: TreeShape;
  readonly #pack: NodePackWriter;
  readonly #open: OpenNode[] = [];
  #lastPath: FilePath | undefined;
  #finished = false;

  constructor(nodes: NodeStore, shape: TreeShape, options: NodePackOptions = {}) {
    this.#nodes = nodes;
    this.#shape = shape;
    this.#pack = nodes.packWriter(options);
  }

  /** Appends one entry; its path must sort after every path appended before. */
  async append(entry: FileEntry): Promise<void> {
    this.#checkOrder(entry.path, entry.path);
    this.#lastPath = entry.path;
    await this.#add(0, entry, entry.path, estimateEntryBytes(entry, this.#openAt(0).lastPath));
  }

  /**
   * Whether the writer stands at a node boundary at `level`: nothing is open at that level or
   * below, so a node of that level can be appended as it is.
   */
  isAlignedAt(level: number): boolean {
    for (let l = 0; l <= level && l < this.#open.length; l++) {
      if (this.#open[l]!.items.length > 0) return false;
    }
    return true;
  }

  /**
   * Appends every entry of the subtree `ref` points at (a node of `level`). When the writer is
   * aligned at `level`, the node is re-used untouched and not even read; otherwise its items are
   * read and appended one by one (re-using its children where that becomes possible).
   *
   * Re-use keeps the tree identical to a fresh build only if the node ended at a boundary of its
   * own tree — any node but the last of its level — or if nothing follows it here; the caller
   * (tree-merge.ts) makes sure of that.
   */
  async appendSubtree(ref: ChildRef, level: number): Promise<void> {
    this.#checkOrder(ref.first, ref.last);
    if (!this.isAlignedAt(level)) {
      const node = await this.#nodes.readChild(level + 1, ref);
      for (let i = 0; i < node.count; i++) {
        if (node.kind === 'leaf') await this.append(node.entry(i));
        else await this.appendSubtree(node.child(i), level - 1);
      }
      return;
    }
    this.#lastPath = ref.last;
    await this.#add(
      level + 1,
      ref,
      ref.last,
      estimateRefBytes(ref.first, ref.last, this.#openAt(level + 1).lastPath),
    );
  }

  /** Closes every open node and returns the root once every node is stored, the root last. */
  async finish(): Promise<TreeSummary> {
    this.#checkOpen();
    this.#finished = true;
    let root: ChildRef | undefined;
    for (let level = 0; level < this.#open.length; level++) {
      const open = this.#open[level]!;
      const top = level === this.#open.length - 1;
      if (top && level > 0 && open.items.length === 1) {
        root = childRef(open.items[0]!);
        break;
      }
      if (open.items.length > 0) await this.#close(level);
    }
    if (root === undefined) {
      // Nothing was appended: the empty tree is one empty leaf.
      const empty = encodeLeaf([]);
      await this.#nodes.writeStandalone(empty);
      return { root: empty.hash, fileCount: 0, totalBytes: 0 };
    }
    // The root is the node closed last, or a re-used subtree: either way nothing in the pack
    // points at it, and it is stored on its own once all the nodes below it are.
    const own = this.#pack.takeBackLast(root.hash);
    await this.#pack.finish();
    if (own !== undefined) await this.#nodes.writeStandalone(own);
    else if (root.location !== undefined) {
      await this.#nodes.writeStandalone({ hash: root.hash, bytes: await this.#nodes.storedBytes(root) });
    }
    return { root: root.hash, fileCount: root.fileCount, totalBytes: root.totalBytes };
  }

  #checkOrder(first: FilePath, last: FilePath): void {
    this.#checkOpen();
    if (this.#lastPath !== undefined && !(first > this.#lastPath)) {
      throw new InvalidArgumentError(
        `file index entries must be appended in path order, each path once: ${JSON.stringify(first)} came after ${JSON.stringify(this.#lastPath)}`,
      );
    }
    if (last < first) {
      throw new InvalidArgumentError(
        `invalid subtree span ${first} … ${last}: the last path sorts before the first`,
      );
    }
  }

  #checkOpen(): void {
    if (this.#finished) throw new InvalidArgumentError('this tree writer is finished: start a new one');
  }

  #openAt(level: number): OpenNode {
    while (this.#open.length <= level) this.#open.push({ items: [], bytes: 0, lastPath: '' });
    return this.#open[level]!;
  }

  async #add(level: number, item: FileEntry | ChildRef, key: string, bytes: number): Promise<void> {
    const open = this.#openAt(level);
    open.items.push(item);
    open.bytes += bytes;
    open.lastPath = key;
    if (this.#shape.endsAfter(level, key, open.items.length, open.bytes)) await this.#close(level);
  }

  async #close(level: number): Promise<void> {
    const open = this.#open[level]!;
    const items = open.items;
    this.#open[level] = { items: [], bytes: 0, lastPath: '' };
    const encoded = level === 0 ? encodeLeaf(items.map(asEntry)) : encodeBranch(level, items.map(childRef));
    const ref = summarise(encoded.hash, items, await this.#pack.append(encoded));
    const above = this.#openAt(level + 1);
    await this.#add(level + 1, ref, ref.last, estimateRefBytes(ref.first, ref.last, above.lastPath));
  }
}

function isEntry(item: FileEntry | ChildRef): item is FileEntry {
  return 'path' in item;
}

function asEntry(item: FileEntry | ChildRef): FileEntry {
  if (!isEntry(item)) throw new Error('a leaf holds entries only');
  return item;
}

function childRef(item: FileEntry | ChildRef): ChildRef {
  if (isEntry(item)) throw new Error('a branch node holds child references only');
  return item;
}

function summarise(
  hash: ChildRef['hash'],
  items: readonly (FileEntry | ChildRef)[],
  location: NodeLocation,
): ChildRef {
  let fileCount = 0;
  let totalBytes = 0;
  for (const item of items) {
    if (isEntry(item)) {
      fileCount++;
      totalBytes += item.size;
    } else {
      fileCount += item.fileCount;
      totalBytes += item.totalBytes;
    }
  }
  const first = items[0]!;
  const last = items.at(-1)!;
  return {
    hash,
    first: isEntry(first) ? first.path : first.first,
    last: isEntry(last) ? last.path : last.last,
    fileCount,
    totalBytes,
    location,
  };
}
