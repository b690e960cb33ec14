/**
 * The differences between two trees, in path order, at a cost that grows with the differences
 * rather than with the trees: two cursors advance side by side, and whenever both stand at the
 * start of subtrees with the same hash, both skip them unread (equal hash, equal content). As an
 * edit leaves every node outside its root path shared, and node boundaries re-align right after
 * an edit (tree-shape.ts), the cursors meet at shared subtrees again soon after each difference.
 *
 * Two entries at one path are equal when their content hash and size are equal. Content is
 * addressed (the hash is the SHA-256 of the file's chunk IDs in order), so equal hashes mean
 * equal bytes; chunk locations may still differ (the same bytes stored twice in two packs), and
 * that is not a difference of the file.
 */
import type { ObjectHash } from '../ids.ts';
import { DiffReadAhead } from './diff-read-ahead.ts';
import type { NodeStore } from './node-store.ts';
import { TreeCursor } from './tree-cursor.ts';
import type { TreeDifference } from './types.ts';

export interface DiffOptions {
  /** Only paths that start with this string (a directory's contents: give `dir + '/'`). */
  readonly prefix?: string;
}

const SCAN = { keepLeaves: false } as const;

export async function* diffTrees(
  nodes: NodeStore,
  oldRoot: ObjectHash,
  newRoot: ObjectHash,
  options: DiffOptions = {},
): AsyncGenerator<TreeDifference> {
  if (oldRoot === newRoot) return;
  const prefix = options.prefix ?? '';
  const readAhead = new DiffReadAhead(nodes, prefix);
  readAhead.start(oldRoot, newRoot);
  try {
    const [before, after] = await Promise.all([
      TreeCursor.open(nodes, oldRoot, SCAN),
      TreeCursor.open(nodes, newRoot, SCAN),
    ]);
    await Promise.all([before.seek(prefix), after.seek(prefix)]);
    yield* walkInStep(before, after, prefix);
  } finally {
    readAhead.stop();
  }
}

/** The two cursors side by side, from where they stand to the end of the prefix. */
async function* walkInStep(
  before: TreeCursor,
  after: TreeCursor,
  prefix: string,
): AsyncGenerator<TreeDifference> {
  const inRange = (cursor: TreeCursor) =>
    !cursor.done && cursor.first.startsWith(prefix) ? cursor : undefined;
  for (;;) {
    const a = inRange(before);
    const b = inRange(after);
    if (a === undefined && b === undefined) return;
    if (a && b && a.sameSubtreeAs(b)) {
      a.next();
      b.next();
      continue;
    }
    if (a?.leaf && b?.leaf) {
      yield* mergeLeaves(a, b, prefix);
      continue;
    }
    switch (nextStep(a, b)) {
      case 'descend-old':
        await before.descend();
        break;
      case 'descend-new':
        await after.descend();
        break;
      case 'deleted': {
        const entry = before.entry();
        yield { path: entry.path, before: entry };
        before.next();
        break;
      }
      case 'added': {
        const entry = after.entry();
        yield { path: entry.path, after: entry };
        after.next();
        break;
      }
    }
  }
}

/**
 * Both cursors stand in leaves: compare the two leaves' entries in one tight merge over their
 * columns, up to the end of either leaf (or of the prefix), and move the cursors there. A plain
 * function rather than a generator, so that its loop is optimised on first use.
 */
function mergeLeaves(before: TreeCursor, after: TreeCursor, prefix: string): TreeDifference[] {
  const { node: old, index: from } = before.leaf!;
  const { node: now, index: to } = after.leaf!;
  const differences: TreeDifference[] = [];
  let i = from;
  let j = to;
  while (i < old.count && j < now.count) {
    const a = old.key(i);
    const b = now.key(j);
    if (prefix !== '' && !(a.startsWith(prefix) && b.startsWith(prefix))) break;
    if (a === b) {
      if (!old.sameContent(i, now, j)) {
        differences.push({ path: old.entry(i).path, before: old.entry(i), after: now.entry(j) });
      }
      i++;
      j++;
    } else if (a < b) {
      differences.push({ path: old.entry(i).path, before: old.entry(i) });
      i++;
    } else {
      differences.push({ path: now.entry(j).path, after: now.entry(j) });
      j++;
    }
  }
  before.moveInLeaf(i);
  after.moveInLeaf(j);
  return differences;
}

type Step = 'descend-old' | 'descend-new' | 'deleted' | 'added';

/**
 * What to do when the cursors stand at `a` (old) and `b` (new), not both in leaves and not at
 * one shared subtree. An entry or subtree that lies wholly before the other side's item is passed over as
 * it is (a subtree by descending to its entries); otherwise the larger subtree is opened, so that
 * the two sides come to stand at subtrees of the same level where equal hashes can be skipped.
 */
function nextStep(a: TreeCursor | undefined, b: TreeCursor | undefined): Step {
  if (a === undefined) return b?.atEntry ? 'added' : 'descend-new';
  if (b === undefined) return a.atEntry ? 'deleted' : 'descend-old';
  if (a.last < b.first) return a.atEntry ? 'deleted' : 'descend-old';
  if (b.last < a.first) return b.atEntry ? 'added' : 'descend-new';
  if (a.atEntry) return 'descend-new';
  if (b.atEntry) return 'descend-old';
  const levelA = a.level ?? 0;
  const levelB = b.level ?? 0;
  if (levelA !== levelB) return levelA > levelB ? 'descend-old' : 'descend-new';
  return a.first <= b.first ? 'descend-old' : 'descend-new';
}
