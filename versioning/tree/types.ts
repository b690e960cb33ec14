/**
 * The file index: a commit's whole file tree as one sorted sequence of entries, stored as a
 * content-defined Merkle tree of immutable nodes (a prolly tree, like lakeFS's ranges and
 * metaranges but with as many levels as the size needs).
 *
 * Rules of the data model:
 * - Entries are sorted by path (JavaScript string order) and a path appears at most once.
 * - Directories are implicit: a directory exists while some file path lies under it.
 * - Nodes are immutable and named by the SHA-256 of their encoded bytes.
 * - Node boundaries depend on content (a hash of the last key in the node, plus a size cap), so an
 *   edit rewrites only the nodes on the paths from the root to the changed entries; every other
 *   node is shared with the parent commit, and a diff skips shared nodes by hash.
 */

import type { StoredContent } from '../content/types.ts';
import type { FilePath, ObjectHash } from '../ids.ts';

export interface FileEntry extends StoredContent {
  readonly path: FilePath;
}

/**
 * One edit of a tree. A batch of changes is sorted by `changeSortKey` (not by `path`), with one
 * change per sort key: a `delete-dir` sorts at `path + '/'`, where the subtree it removes begins,
 * so a batch may hold both `delete /a` (the file) and `delete-dir /a` (everything under /a/).
 */
export type TreeChange =
  /** Adds the file, or replaces the file at that path. */
  | { readonly kind: 'put'; readonly path: FilePath; readonly entry: FileEntry }
  /** Removes the file at that path (nothing if there is none). */
  | { readonly kind: 'delete'; readonly path: FilePath }
  /**
   * Removes every file of the base tree under `path + '/'` (not a file named `path` itself: pair
   * it with a `delete` for that); for the root '/', every file. Puts in the same batch are kept
   * even when they lie under it.
   */
  | { readonly kind: 'delete-dir'; readonly path: FilePath };

/** The order of a change batch: a subtree removal sorts where its subtree starts. */
export function changeSortKey(change: TreeChange): string {
  if (change.kind !== 'delete-dir') return change.path;
  return dirPrefix(change.path);
}

/** The prefix every path under `dir` starts with: '/a' → '/a/', the root '/' → '/'. */
export function dirPrefix(dir: FilePath): string {
  return dir === '/' ? '/' : `${dir}/`;
}

/** What a tree's root says about the whole tree, without reading it. */
export interface TreeSummary {
  readonly root: ObjectHash;
  readonly fileCount: number;
  /** Sum of file sizes (logical bytes, before de-duplication). */
  readonly totalBytes: number;
}

/**
 * A directory listing row: a file, or a directory implied by the files under it. A directory
 * carries the totals of every file under it (at any depth); the index sums them from its nodes'
 * counts, reading O(depth) nodes per directory, not its files.
 *
 * Rows are ordered as the entries they stand for: a directory sorts as `path + '/'`, where its
 * first file sorts (Pachyderm's order), so `/data.csv` comes before the directory `/data`. A
 * path may be both a file and a directory (`/a` and `/a/b` may both exist, as in S3); it is then
 * listed twice, once of each type.
 */
export type TreeItem =
  | { readonly type: 'file'; readonly path: FilePath; readonly entry: FileEntry }
  | {
      readonly type: 'dir';
      readonly path: FilePath;
      readonly fileCount: number;
      /** Sum of the sizes of the files under the directory. */
      readonly totalBytes: number;
    };

/** One difference between two trees. `before` absent: added; `after` absent: deleted. */
export interface TreeDifference {
  readonly path: FilePath;
  readonly before?: FileEntry;
  readonly after?: FileEntry;
}
