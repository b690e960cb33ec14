/**
 * Reads ahead of a diff, so that store latency is paid about once per tree level rather than
 * once per node: a few round trips for a diff on S3 instead of one per changed leaf.
 *
 * The nodes a diff opens are those of each tree that the other tree does not have at the same
 * level (it skips the others by hash). From the two roots down, this reads one level's such nodes
 * all at once, then lines up their children in path order — a shared node starts at the same path
 * on both sides — to find the next level's. Branch nodes go to the node cache; the differing
 * leaves are prefetched in path order, the order the diff reads them, at most LEAF_WINDOW waiting
 * at a time; leaves that lie close together in one node pack, as the leaves one edit rewrote do,
 * are read with one ranged get per run. Past MAX_BRANCHES branch nodes in a level (a diff of most of a huge tree) the
 * read-ahead ends and the diff reads as it goes; memory stays bounded either way. It is only a
 * hint: it never changes what the diff reads, and leaves its failures to the diff's own reads.
 */
import type { ObjectHash } from '../ids.ts';
import type { NodeLocation } from './node-pack.ts';
import type { NodeStore } from './node-store.ts';
import { BranchNode, refTo, type TreeNode } from './tree-node.ts';

const LEAF_WINDOW = 256;
/** A run of leaves read with one get: at most this many, over at most RUN_BYTES, gaps ≤ RUN_GAP. */
const RUN_LEAVES = 64;
const RUN_BYTES = 2 * 1024 * 1024;
const RUN_GAP = 64 * 1024;
/** Branch nodes of one level read at once, at most (about 20 KiB each). */
const MAX_BRANCHES = 1024;

/** Child `index` of `parent`. */
interface Slot {
  readonly parent: BranchNode;
  readonly index: number;
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
    // Each side: the nodes (as slots in their parents) at `level` that the diff will open.
    const [oldTop, newTop] = await Promise.all([this.#nodes.read(oldRoot), this.#nodes.read(newRoot)]);
    let older = { level: oldTop.level, slots: rootSlot(oldRoot, oldTop) };
    let newer = { level: newTop.level, slots: rootSlot(newRoot, newTop) };
    while (!this.#stopped) {
      if (older.level === newer.level) [older.slots, newer.slots] = unshared(older.slots, newer.slots);
      const top = Math.max(older.level, newer.level);
      if (top === 0) return this.#prefetchLeaves(older.slots, newer.slots);
      if (older.slots.length + newer.slots.length > MAX_BRANCHES) return;
      // Open the higher side(s) one level: their nodes are read together, and kept.
      const [olderOpened, newerOpened] = await Promise.all([
        older.level === top ? this.#childrenOf(older.slots) : older.slots,
        newer.level === top ? this.#childrenOf(newer.slots) : newer.slots,
      ]);
      older = { level: older.level === top ? top - 1 : older.level, slots: olderOpened };
      newer = { level: newer.level === top ? top - 1 : newer.level, slots: newerOpened };
    }
  }

  /** The children of the slots' nodes whose spans reach into the prefix, in path order. */
  async #childrenOf(slots: readonly Slot[]): Promise<Slot[]> {
    const opened = await Promise.all(
      slots.map(({ parent, index }) =>
        this.#nodes.read(parent.childName(index), parent.childLocation(index)),
      ),
    );
    const prefix = this.#prefix;
    const children: Slot[] = [];
    for (const node of opened) {
      if (node.kind !== 'branch') continue;
      for (let index = 0; index < node.count; index++) {
        const first = node.firstKey(index);
        if (node.lastKey(index) < prefix || (first > prefix && !first.startsWith(prefix))) continue;
        children.push({ parent: node, index });
      }
    }
    return children;
  }

  /** Prefetches both sides' leaves in path order, keeping at most LEAF_WINDOW unread. */
  async #prefetchLeaves(older: readonly Slot[], newer: readonly Slot[]): Promise<void> {
    let i = 0;
    let j = 0;
    while (i < older.length || j < newer.length) {
      while (this.#nodes.waitingAhead >= LEAF_WINDOW && !this.#stopped) {
        await Promise.race([this.#nodes.aheadTaken(), this.#stop]);
      }
      if (this.#stopped) return;
      const a = older[i];
      const b = newer[j];
      const fromOlder = b === undefined || (a !== undefined && firstOf(a) <= firstOf(b));
      const from = fromOlder ? i : j;
      const run = leafRun(fromOlder ? older : newer, from);
      if (fromOlder) i += run.length;
      else j += run.length;
      if (run.length === 1) this.#nodes.prefetch(run[0]!.hash, run[0]!.location);
      else this.#nodes.prefetchRun(run.filter(isPacked));
      for (const { hash } of run) {
        // Only the last few can still be waiting: the store keeps a bounded number.
        if (this.#prefetched.push(hash) > 4 * LEAF_WINDOW) this.#prefetched.splice(0, 2 * LEAF_WINDOW);
      }
    }
  }
}

interface Leaf {
  readonly hash: ObjectHash;
  readonly location: NodeLocation | undefined;
}

const isPacked = (leaf: Leaf): leaf is Leaf & { location: NodeLocation } => leaf.location !== undefined;

/**
 * The leaves from `slots[from]` on that one ranged get can read: in one node pack, in offset
 * order, with gaps of at most RUN_GAP bytes (a writer packs its leaves in path order, so the
 * leaves an edit rewrote mostly lie together). At least the first leaf.
 */
function leafRun(slots: readonly Slot[], from: number): Leaf[] {
  const leafAt = ({ parent, index }: Slot): Leaf => ({
    hash: parent.childName(index),
    location: parent.childLocation(index),
  });
  const run = [leafAt(slots[from]!)];
  const start = run[0]!.location;
  let end = start === undefined ? 0 : start.offset + start.length;
  for (let k = from + 1; start !== undefined && k < slots.length && run.length < RUN_LEAVES; k++) {
    const next = leafAt(slots[k]!);
    const at = next.location;
    if (at === undefined || at.pack !== start.pack || at.offset < end || at.offset - end > RUN_GAP) break;
    if (at.offset + at.length - start.offset > RUN_BYTES) break;
    run.push(next);
    end = at.offset + at.length;
  }
  return run;
}

/** A root as the one child of a parent made up for it (none for the empty tree). */
function rootSlot(hash: ObjectHash, root: TreeNode): Slot[] {
  const ref = refTo(hash, root);
  return ref === undefined ? [] : [{ parent: BranchNode.of(root.level + 1, [ref]), index: 0 }];
}

const firstOf = (slot: Slot) => slot.parent.firstKey(slot.index);

/**
 * Drops the nodes both sides have. Both lists are in path order and a shared node starts at the
 * same path on both sides, so one pass that lines them up by first path finds them all.
 */
function unshared(older: readonly Slot[], newer: readonly Slot[]): [Slot[], Slot[]] {
  const olderOnly: Slot[] = [];
  const newerOnly: Slot[] = [];
  let i = 0;
  let j = 0;
  while (i < older.length && j < newer.length) {
    const a = older[i]!;
    const b = newer[j]!;
    const fa = firstOf(a);
    const fb = firstOf(b);
    if (fa === fb && a.parent.sameChild(a.index, b.parent, b.index)) {
      i++;
      j++;
    } else if (fa < fb) {
      olderOnly.push(a);
      i++;
    } else if (fb < fa) {
      newerOnly.push(b);
      j++;
    } else {
      olderOnly.push(a);
      newerOnly.push(b);
      i++;
      j++;
    }
  }
  for (; i < older.length; i++) olderOnly.push(older[i]!);
  for (; j < newer.length; j++) newerOnly.push(newer[j]!);
  return [olderOnly, newerOnly];
}
