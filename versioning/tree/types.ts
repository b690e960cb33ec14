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
import type { FilePath, ObjectHash } from '../ids.ts';
import type { StoredContent } from '../content/types.ts';

export interface FileEntry extends StoredContent {
  readonly path: FilePath;
}

/** One edit of a tree. A batch of changes is sorted by `path`, one change per path. */
export type TreeChange =
  /** Adds the file, or replaces the file at that path. */
  | { readonly kind: 'put'; readonly path: FilePath; readonly entry: FileEntry }
  /** Removes the file at that path (nothing if there is none). */
  | { readonly kind: 'delete'; readonly path: FilePath }
  /**
   * Removes every file of the base tree under `path` (the file `path` itself and everything under
   * `path + '/'`). Puts in the same batch are kept even when they lie under `path`.
   */
  | { readonly kind: 'delete-dir'; readonly path: FilePath };

/** What a tree's root says about the whole tree, without reading it. */
export interface TreeSummary {
  readonly root: ObjectHash;
  readonly fileCount: number;
  /** Sum of file sizes (logical bytes, before de-duplication). */
  readonly totalBytes: number;
}

/** A directory listing row: a file, or a directory implied by the files under it. */
export type TreeItem =
  | { readonly type: 'file'; readonly path: FilePath; readonly entry: FileEntry }
  | { readonly type: 'dir'; readonly path: FilePath };

/** One difference between two trees. `before` absent: added; `after` absent: deleted. */
export interface TreeDifference {
  readonly path: FilePath;
  readonly before?: FileEntry;
  readonly after?: FileEntry;
}
