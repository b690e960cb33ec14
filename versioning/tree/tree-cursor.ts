/**
 * A forward-only position in a tree, kept as the path of nodes from the root down. The cursor
 * stands either at an entry or at the start of a whole subtree, and only descends when asked:
 * readers skip what they do not need (a subtree before a seek target, a subtree equal to the
 * other side of a diff) without reading it. Memory is one node per level.
 */
import type { ObjectHash } from '../ids.ts';
import type { NodeStore } from './node-store.ts';
import { BranchNode, type LeafNode, refTo, type TreeNode } from './tree-node.ts';
import type { FileEntry } from './types.ts';

/** File count and bytes of what a seek skipped. */
export interface Totals {
  fileCount: number;
  totalBytes: number;
}

interface Frame {
  readonly node: TreeNode;
  index: number;
}

export interface CursorOptions {
  /** Leaves to read ahead of a sequential scan (a walk), so store latency overlaps. @default 0 */
  readonly readAhead?: number;
  /** Keep the leaves read in the node cache; scans that pass each leaf once say no. @default true */
  readonly keepLeaves?: boolean;
}

export class TreeCursor {
  readonly #nodes: NodeStore;
  readonly #frames: Frame[];
  readonly #readAhead: number;
  readonly #keepLeaves: boolean;

  private constructor(nodes: NodeStore, frames: Frame[], options: CursorOptions) {
    this.#nodes = nodes;
    this.#frames = frames;
    this.#readAhead = options.readAhead ?? 0;
    this.#keepLeaves = options.keepLeaves ?? true;
  }

  /** A cursor standing at the whole tree as one subtree (an empty tree's cursor is done). */
  static async open(nodes: NodeStore, root: ObjectHash, options: CursorOptions = {}): Promise<TreeCursor> {
    const node = await nodes.read(root);
    const ref = refTo(root, node);
    const frames = ref === undefined ? [] : [{ node: BranchNode.of(node.level + 1, [ref]), index: 0 }];
    return new TreeCursor(nodes, frames, options);
  }

  get done(): boolean {
    return this.#frames.length === 0;
  }

  /** True at an entry, false at a subtree. */
  get atEntry(): boolean {
    return this.#top().node.kind === 'leaf';
  }

  /** The first path of the current item. */
  get first(): string {
    const { node, index } = this.#top();
    return node.kind === 'leaf' ? node.key(index) : node.firstKey(index);
  }

  /** The last path of the current item. */
  get last(): string {
    const { node, index } = this.#top();
    return node.kind === 'leaf' ? node.key(index) : node.lastKey(index);
  }

  /** The level of the subtree the cursor stands at (undefined at an entry). */
  get level(): number | undefined {
    const { node } = this.#top();
    return node.kind === 'leaf' ? undefined : node.level - 1;
  }

  /** Whether both cursors stand at the same subtree (by hash, so at equal content). */
  sameSubtreeAs(other: TreeCursor): boolean {
    const mine = this.#top();
    const theirs = other.#top();
    if (mine.node.kind !== 'branch' || theirs.node.kind !== 'branch') return false;
    return mine.node.sameChild(mine.index, theirs.node, theirs.index);
  }

  /** The leaf and entry index the cursor stands at, for tight loops over a leaf's columns. */
  get leaf(): { readonly node: LeafNode; readonly index: number } | undefined {
    const top = this.#frames.at(-1);
    return top?.node.kind === 'leaf' ? { node: top.node, index: top.index } : undefined;
  }

  /** Moves to entry `index` of the current leaf; its count moves past the leaf. */
  moveInLeaf(index: number): void {
    const top = this.#top();
    if (index >= top.node.count) {
      top.index = top.node.count - 1;
      this.next();
    } else {
      top.index = index;
    }
  }

  /** The entry the cursor stands at. */
  entry(): FileEntry {
    const { node, index } = this.#top();
    if (node.kind !== 'leaf') throw new Error('the cursor stands at a subtree, not an entry');
    return node.entry(index);
  }

  /** Moves into the subtree the cursor stands at, to its first item. */
  async descend(): Promise<void> {
    const top = this.#top();
    const parent = top.node;
    if (parent.kind !== 'branch') throw new Error('the cursor stands at an entry, not a subtree');
    const keep = this.#keepLeaves || parent.level > 1;
    const node = await this.#nodes.readChild(parent.level, parent.child(top.index), keep);
    if (node.kind === 'branch') {
      if (node.level === 1) this.#prefetch(node, 0, this.#readAhead);
    } else if (this.#readAhead > 0) {
      // Keep the window of leaves read ahead full.
      this.#prefetch(parent, top.index + this.#readAhead, 1);
    }
    this.#frames.push({ node, index: 0 });
  }

  /** Moves past the current item (a whole subtree, if it stands at one). */
  next(): void {
    const frames = this.#frames;
    for (;;) {
      const top = frames.at(-1);
      if (top === undefined) return;
      top.index++;
      if (top.index < top.node.count) return;
      frames.pop();
    }
  }

  /**
   * Moves forward to the first entry whose path is ≥ `key`, standing at the highest subtree that
   * starts there. Reads one node per level at most. The skipped files are added to `skipped`.
   */
  async seek(key: string, skipped?: Totals): Promise<void> {
    const frames = this.#frames;
    for (;;) {
      const top = frames.at(-1);
      if (top === undefined) return;
      const target = firstEndingAtOrAfter(top.node, top.index, key);
      if (skipped !== undefined) addTotals(skipped, top.node, top.index, target);
      top.index = target;
      if (target === top.node.count) {
        // This node is done: continue in its parent, after it.
        frames.pop();
        const parent = frames.at(-1);
        if (parent === undefined) return;
        parent.index++;
        continue;
      }
      if (top.node.kind === 'leaf' || top.node.firstKey(target) >= key) return;
      await this.descend();
    }
  }

  /** Adds the totals of the current item to `totals`. */
  addCurrent(totals: Totals): void {
    const { node, index } = this.#top();
    addTotals(totals, node, index, index + 1);
  }

  #top(): Frame {
    const top = this.#frames.at(-1);
    if (top === undefined) throw new Error('the cursor is past the end of the tree');
    return top;
  }

  #prefetch(node: BranchNode, from: number, count: number): void {
    for (let i = from; i < Math.min(node.count, from + count); i++) {
      this.#nodes.prefetch(node.childName(i), node.childLocation(i));
    }
  }
}

/** Binary search: the first index ≥ `from` whose item's last path is ≥ key (items are sorted). */
function firstEndingAtOrAfter(node: TreeNode, from: number, key: string): number {
  let low = from;
  let high = node.count;
  while (low < high) {
    const mid = (low + high) >>> 1;
    const last = node.kind === 'leaf' ? node.key(mid) : node.lastKey(mid);
    if (last < key) low = mid + 1;
    else high = mid;
  }
  return low;
}

function addTotals(totals: Totals, node: TreeNode, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    if (node.kind === 'leaf') {
      totals.fileCount++;
      totals.totalBytes += node.size(i);
    } else {
      totals.fileCount += node.childFiles(i);
      totals.totalBytes += node.childBytes(i);
    }
  }
}
