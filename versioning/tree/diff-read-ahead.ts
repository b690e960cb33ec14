/**
 * Reads ahead of a diff, so that store latency is paid about once per tree level rather than
 * once per node: a few round trips for a diff on S3 instead of one per changed leaf.
 *
 * The nodes a diff opens are those of each tree whose hash the other tree lacks at the same level
 * (it skips the others by hash). From the two roots down, this reads one level's such nodes all at
 * once, and finds the next level's as the children of those nodes that the other side's nodes do
 * not also have. Branch nodes go to the node cache; the differing leaves are then prefetched in
 * path order — the order the diff reads them — at most LEAF_WINDOW waiting at a time. Past
 * MAX_BRANCHES branch nodes or MAX_ITEMS nodes in a level (a diff of most of a huge tree) the
 * read-ahead ends and the diff reads as it goes; memory stays bounded either way. It is only ever a hint: it never changes what the diff reads, and
 * its failures are left for the diff's own reads to report.
 */
import type { ObjectHash } from '../ids.ts';
import type { NodeStore } from './node-store.ts';
import { nodeSpan, type TreeNode } from './tree-node.ts';

const LEAF_WINDOW = 256;
/** Branch nodes of one level read at once, at most (about 20 KiB each). */
const MAX_BRANCHES = 1024;
/** Nodes of one level the read-ahead will track, at most. */
const MAX_ITEMS = 16_384;

interface Item {
  readonly hash: ObjectHash;
  readonly first: string;
  readonly last: string;
}

/** The nodes of one tree at one level (`level`) that the diff will open, in path order. */
interface Side {
  readonly level: number;
  readonly items: readonly Item[];
}

export class DiffReadAhead {
  readonly #nodes: NodeStore;
  readonly #prefix: string;
  readonly #prefetched: ObjectHash[] = [];
  #stopped = false;
  #wake: () => void = () => {};
  readonly #stop = new Promise<void>((resolve) => {
    this.#wake = resolve;
  });

  constructor(nodes: NodeStore, prefix: string) {
    this.#nodes = nodes;
    this.#prefix = prefix;
  }

  /** Starts reading ahead of a diff from `oldRoot` to `newRoot`, without waiting. */
  start(oldRoot: ObjectHash, newRoot: ObjectHash): void {
    this.#run(oldRoot, newRoot).catch(() => {});
  }

  /** The diff is over: read no further, and forget leaves the diff did not take. */
  stop(): void {
    this.#stopped = true;
    this.#wake();
    for (const hash of this.#prefetched) this.#nodes.cancelPrefetch(hash);
  }

  async #run(oldRoot: ObjectHash, newRoot: ObjectHash): Promise<void> {
    const [oldTop, newTop] = await Promise.all([this.#nodes.read(oldRoot), this.#nodes.read(newRoot)]);
    let older: Side = { level: oldTop.level, items: rootItem(oldTop, oldRoot) };
    let newer: Side = { level: newTop.level, items: rootItem(newTop, newRoot) };
    while (!this.#stopped) {
      if (older.level === newer.level) [older, newer] = withoutShared(older, newer);
      const top = Math.max(older.level, newer.level);
      if (top === 0) return this.#prefetchLeaves(older.items, newer.items);
      if (older.items.length + newer.items.length > MAX_BRANCHES) return;
      // Open the higher side(s) one level: the nodes are read together, and kept.
      const opened = await Promise.all([this.#open(older, top), this.#open(newer, top)]);
      if (opened[0] === undefined || opened[1] === undefined) return;
      [older, newer] = opened;
    }
  }

  /** The side one level down, or undefined past MAX_ITEMS nodes. */
  async #open(side: Side, level: number): Promise<Side | undefined> {
    if (side.level !== level) return side;
    const opened = await Promise.all(side.items.map((item) => this.#nodes.read(item.hash)));
    const items: Item[] = [];
    for (const node of opened) {
      if (!this.#addChildren(node, items)) return undefined;
    }
    return { level: level - 1, items };
  }

  /** Adds a branch node's children whose spans reach into the prefix; false past MAX_ITEMS. */
  #addChildren(node: TreeNode, items: Item[]): boolean {
    if (node.kind !== 'branch') return true;
    const prefix = this.#prefix;
    for (let i = 0; i < node.count; i++) {
      const first = node.firstKey(i);
      const last = node.lastKey(i);
      if (last < prefix || (first > prefix && !first.startsWith(prefix))) continue;
      if (items.push({ hash: node.childName(i), first, last }) > MAX_ITEMS) return false;
    }
    return true;
  }

  /** Prefetches both sides' leaves in path order, keeping at most LEAF_WINDOW unread. */
  async #prefetchLeaves(older: readonly Item[], newer: readonly Item[]): Promise<void> {
    let i = 0;
    let j = 0;
    while (i < older.length || j < newer.length) {
      while (this.#nodes.waitingAhead >= LEAF_WINDOW && !this.#stopped) {
        await Promise.race([this.#nodes.aheadTaken(), this.#stop]);
      }
      if (this.#stopped) return;
      const a = older[i];
      const b = newer[j];
      const takeOld = b === undefined || (a !== undefined && a.first <= b.first);
      const hash = takeOld ? a!.hash : b.hash;
      this.#nodes.prefetch(hash);
      // Only the last few can still be waiting: the store keeps a bounded number.
      if (this.#prefetched.push(hash) > 4 * LEAF_WINDOW) this.#prefetched.splice(0, 2 * LEAF_WINDOW);
      if (takeOld) i++;
      else j++;
    }
  }
}

/** A root as the one item of its level (none for the empty tree). */
function rootItem(root: TreeNode, hash: ObjectHash): Item[] {
  const span = nodeSpan(root);
  return span === undefined ? [] : [{ hash, ...span }];
}

/** Drops the nodes both sides have: the diff skips them by hash. */
function withoutShared(older: Side, newer: Side): [Side, Side] {
  const olderHashes = new Set(older.items.map((item) => item.hash));
  const newerHashes = new Set(newer.items.map((item) => item.hash));
  return [
    { level: older.level, items: older.items.filter((item) => !newerHashes.has(item.hash)) },
    { level: newer.level, items: newer.items.filter((item) => !olderHashes.has(item.hash)) },
  ];
}
