/**
 * The file index: each commit's file tree as one sorted sequence of FileEntry, stored as a
 * content-defined Merkle tree (a prolly tree) of immutable nodes in the ObjectStore.
 *
 * Rules of the model (types.ts has the types):
 * - Entries are sorted by path in JavaScript string order, each path at most once. Directories
 *   are implied by the paths under them; a path may be a file and a directory at once.
 * - A node is named by the SHA-256 of its bytes (node-codec.ts) and stored put-if-absent under
 *   `nodeKey(hash)`; it never changes. Leaves (level 0) hold entries; a level-L node holds
 *   references to level-(L-1) nodes with their first and last paths, file count and total bytes,
 *   so the root alone answers a tree's size and any directory's totals take O(depth) nodes. The
 *   root is the single node of the top level; the empty tree is one empty leaf.
 * - Where nodes end depends on the entries only (tree-shape.ts), counted from each node's start.
 *   A tree is therefore a function of its entry set and the shape parameters: built from scratch
 *   or reached by any sequence of edits, the same entries give the same root (size cap cuts
 *   included). An edit rewrites only the nodes on its paths to the root; all others are shared.
 * - Every node read is checked against its name and its parent's reference (CorruptDataError);
 *   writers check the order of their input (InvalidArgumentError).
 *
 * Costs: `get`, `stat`, `dirExists` read one node per level; `listDir` O(depth) nodes per row,
 * skipping a subdirectory's contents with a seek; `glob` skips directories whose names fail the
 * pattern and never goes deeper than a pattern without `**` reaches; `apply` and `diff` cost
 * O(changes × depth) node reads, as shared subtrees are re-used unread or skipped by hash.
 *
 * Shape parameters (defaults): leafFanout 128, branchFanout 256, minItems 4, maxNodeBytes
 * 128 KiB (tree-shape.ts). A diff's cost is its node reads — about 2 × (changed leaves + changed
 * level-1 nodes) — each a fixed request cost plus decoding in proportion to the node's size. So
 * leaves stay small (a change decodes two of them) and nodes above them are wide (fewer of them
 * change): `bench/file-index.ts --sweep` at 1,000,000 files and 100 changes read 308 nodes at
 * 128/64 and 240 at 128/256, 47.1 vs 42.5 ms warm on the local store; leaves of 64 read more
 * nodes for no gain, and of 256 decode more per change. A full listing costs one request per
 * leaf (~7,800 per million files, ~12 KiB each).
 *
 * Measured (bench/file-index.ts, 1,000,000 files with paths of ~30 bytes and one chunk each,
 * 100 random changes; a shared 2-core machine, load ~2): 3 levels — 7,772 leaves of ~129
 * entries, 24 level-1 nodes, the root. Committing the million files to an empty tree: 3.3 s,
 * peak RSS 220 MiB (memory store, which holds the nodes) / 159 MiB (local FS store); ≤ 1 GB.
 * Applying the 100 changes: ~220 ms, 120 nodes written. Their diff reads 240 nodes: 39 ms (median
 * 44) with a cold node cache in a warm process, 121× faster than walking both trees (4.7 s); in
 * a fresh process on the FS store 135 ms (median 158) against 7.3 s for the walk (54×), the gap
 * being the JIT compiling the code path as it runs, not reads. Reads ahead of a diff overlap
 * store latency (diff-read-ahead.ts): with 5 ms per GET, a 100-change diff takes ~70 ms.
 */
export { FileIndex, type FileIndexOptions } from './file-index.ts';
export type { NodeStoreStats } from './node-store.ts';
export type { DiffOptions } from './tree-diff.ts';
export { compileGlob, splitGlobSegments } from './tree-glob.ts';
export type { ChildRef } from './tree-node.ts';
export type { WalkOptions } from './tree-reader.ts';
export type { TreeShapeOptions } from './tree-shape.ts';
export type { TreeWriter } from './tree-writer.ts';
export type { FileEntry, TreeChange, TreeDifference, TreeItem, TreeSummary } from './types.ts';
