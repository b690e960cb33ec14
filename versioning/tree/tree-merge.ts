/**
 * Applies a sorted batch of changes to a tree in one pass: the old tree is walked top-down next
 * to the edit stream, and a fresh TreeWriter receives the result.
 *
 * A child subtree is re-used untouched (not even read) when
 * - no edit falls in its span [first, last] and no deletion range covers any of it,
 * - the writer stands at a boundary of the child's level (so the child starts where a fresh build
 *   would start a node), and
 * - the child ended at a boundary of the old tree, i.e. it is not the last node of its level —
 *   the last one was closed by the end of the old tree — unless nothing follows it now.
 * Under these rules the result is the tree a fresh build of the new entry set would give, and an
 * edit costs O(depth) node reads and writes, plus the nodes between it and the next boundary.
 *
 * A child whose whole span lies in a `delete-dir` range is dropped without being read. Memory is
 * one node per level of the old tree plus the writer's open nodes, whatever the sizes involved.
 */
import type { ObjectHash } from '../ids.ts';
import { EditStream } from './edit-stream.ts';
import type { NodeStore } from './node-store.ts';
import { type ChildRef, refTo, type TreeNode } from './tree-node.ts';
import type { TreeWriter } from './tree-writer.ts';
import type { FileEntry, TreeChange, TreeSummary } from './types.ts';

export async function applyChanges(
  nodes: NodeStore,
  writer: TreeWriter,
  root: ObjectHash,
  changes: AsyncIterable<TreeChange> | Iterable<TreeChange>,
): Promise<TreeSummary> {
  const merge = new TreeMerge(nodes, writer, new EditStream(changes));
  const rootNode = await nodes.read(root);
  const rootRef = refTo(root, rootNode);
  if (rootRef !== undefined) await merge.mergeChild(rootNode.level + 1, rootRef, true);
  return merge.finish();
}

class TreeMerge {
  readonly #nodes: NodeStore;
  readonly #writer: TreeWriter;
  readonly #edits: EditStream;
  readonly #put: (entry: FileEntry) => Promise<void>;

  constructor(nodes: NodeStore, writer: TreeWriter, edits: EditStream) {
    this.#nodes = nodes;
    this.#writer = writer;
    this.#edits = edits;
    this.#put = (entry) => writer.append(entry);
  }

  async finish(): Promise<TreeSummary> {
    await this.#edits.applyBefore(undefined, this.#put);
    return this.#writer.finish();
  }

  /**
   * Merges the edits with one child of a node at `parentLevel`. `lastOfLevel`: the child is the
   * last node of its level in the old tree.
   */
  async mergeChild(parentLevel: number, child: ChildRef, lastOfLevel: boolean): Promise<void> {
    const level = parentLevel - 1;
    const edits = this.#edits;
    await edits.applyBefore(child.first, this.#put);
    if (edits.deletes(child.last)) {
      // The whole child lies in a deletion range: drop it unread, keeping puts inside its span.
      await edits.applyBefore(child.last, this.#put, true);
      return;
    }
    if (!edits.deletes(child.first) && this.#writer.isAlignedAt(level)) {
      const next = await edits.peek();
      const untouched = next === undefined || next.position > child.last;
      if (untouched && (!lastOfLevel || next === undefined)) {
        await this.#writer.appendSubtree(child, level);
        return;
      }
    }
    // Leaves are passed once: keep only the nodes above them in the cache.
    const node = await this.#nodes.readChild(parentLevel, child, parentLevel > 1);
    await this.#mergeNode(node, lastOfLevel);
  }

  async #mergeNode(node: TreeNode, lastOfLevel: boolean): Promise<void> {
    if (node.kind === 'branch') {
      const last = node.count - 1;
      for (let i = 0; i <= last; i++) {
        await this.mergeChild(node.level, node.child(i), lastOfLevel && i === last);
      }
      return;
    }
    const edits = this.#edits;
    for (let i = 0; i < node.count; i++) {
      const path = node.key(i);
      await edits.applyBefore(path, this.#put);
      const edit = await edits.peek();
      if (edit !== undefined && edit.position === path) {
        edits.take();
        // The same bytes put again keep their stored entry, so the tree (and its root) stays as
        // it was: a re-upload stores small files anew, at other places (they are not indexed).
        if (edit.kind === 'put')
          await this.#writer.append(sameContent(edit.entry, node.entry(i)) ?? edit.entry);
      } else if (!edits.deletes(path)) {
        await this.#writer.append(node.entry(i));
      }
    }
  }
}

/** The stored entry when the put one holds the same bytes (same hash and size), else undefined. */
function sameContent(put: FileEntry, stored: FileEntry): FileEntry | undefined {
  return put.hash === stored.hash && put.size === stored.size ? stored : undefined;
}
