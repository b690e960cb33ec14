/**
 * The file index: each commit's file tree as one sorted sequence of FileEntry, stored as a
 * content-defined Merkle tree (a prolly tree) of immutable nodes in the ObjectStore.
 *
 * Rules of the model (types.ts has the types):
 * - Entries are sorted by path in JavaScript string order, each path at most once. Directories
 *   are implied by the paths under them; a path may be a file and a directory at once.
 * - A node is named by the SHA-256 of what it holds (node-codec.ts) and never changes. Leaves
 *   (level 0) hold entries; a level-L node holds references to level-(L-1) nodes with their first
 *   and last paths, file count and total bytes, so the root alone answers a tree's size and any
 *   directory's totals take O(depth) nodes. The root is the single node of the top level; the
 *   empty tree is one empty leaf, which every reader knows without reading it.
 * - Where a node is stored is not part of its name. A tree's root is an object of its own,
 *   put-if-absent at `nodeKey(hash)`: the one node callers hold. Every other node a writer (a
 *   build or an `apply`) creates goes into that writer's node packs (node-pack.ts): objects of
 *   up to 8 MiB at `nodePackKey(id)` under a random ID, each stored once, complete. A parent
 *   records after its named bytes where each child is: [pack, offset, length], or nothing for a
 *   child stored on its own — every node written before node packs, which stay readable. Every
 *   pack a root reaches into is stored before the root, so a stored root never points at
 *   nothing. Packs are not shared between writers: a node that a later writer makes again is
 *   stored again, and either copy serves, as reads go by name.
 * - Where nodes end depends on the entries only (tree-shape.ts), counted from each node's start.
 *   A tree is therefore a function of its entry set and the shape parameters: built from scratch
 *   or reached by any sequence of edits, the same entries give the same root (size cap cuts
 *   included). An edit rewrites only the nodes on its paths to the root; all others are shared.
 * - Every node read is checked against its name and its parent's reference (CorruptDataError), so
 *   a wrong location can only fail a read, never give other data; writers check the order of
 *   their input (InvalidArgumentError).
 *
 * Costs: a build or an `apply` puts one node pack per 8 MiB of new nodes (~680 leaves of 12 KiB)
 * and the root, whatever the number of nodes: putting 1,000 small files in one commit costs 4
 * object puts in all (chunk pack, staged changes, node pack, root; 15 before node packs, 13 of
 * them nodes), 20,000 files 10 (7 chunk packs; the tree's 145 node puts became 2), and an `apply`
 * that changes nothing, or the base of a first commit, no put. A node read is one get, ranged for
 * a packed node; a diff reads leaves that lie close together in one pack — those one edit
 * rewrote — with one get per run. `get`, `stat`, `dirExists` read one node per level; `listDir`
 * O(depth) nodes per row, skipping a subdirectory's contents with a seek; `glob` skips
 * directories whose names fail the pattern and never goes deeper than a pattern without `**`
 * reaches; `apply` and `diff` cost O(changes × depth) node reads, as shared subtrees are re-used
 * unread or skipped by hash.
 *
 * Shape parameters (defaults): leafFanout 128, branchFanout 256, minItems 4, maxNodeBytes
 * 128 KiB (tree-shape.ts; the cap counts a node's named bytes, child locations add 12 bytes per
 * child). A diff's cost is its node reads — about 2 × (changed leaves + changed level-1 nodes) —
 * each a fixed request cost plus decoding in proportion to the node's size. So leaves stay small
 * (a change decodes two of them) and nodes above them are wide (fewer of them change):
 * `bench/file-index.ts --sweep` at 1,000,000 files and 100 changes read 308 nodes at 128/64 and
 * 240 at 128/256, 47.1 vs 42.5 ms warm on the local store; leaves of 64 read more nodes for no
 * gain, and of 256 decode more per change. A full listing costs one request per leaf (~7,800 per
 * million files, ~12 KiB each).
 *
 * Measured (bench/file-index.ts, 1,000,000 files with paths of ~30 bytes and one chunk each,
 * 100 random changes; a shared 2-core machine, load ~2; medians of 3 runs): 3 levels — 7,772
 * leaves of ~129 entries (12 KiB), 24 level-1 nodes (25 KiB, 4 KiB of it child locations), the
 * root. Committing the million files to an empty tree: 2.4 s on the memory store, 2.6 s on the
 * local FS store (12 node packs and the root; 4.7 s at one object per node), peak RSS 243 MiB
 * (memory store, which holds the nodes) / 216 MiB (FS store, with the packs being filled and
 * stored; 162 MiB at one object per node); ≤ 1 GB. Applying the 100 changes: ~160 ms (memory)
 * / ~280 ms (FS), 120 nodes written as one pack and the root. Their diff reads 240 nodes in 137
 * gets (241 at one object per node): 30 ms (median 36) with a cold node cache in a warm process,
 * ~145× faster than walking both trees (4.4 s); in a fresh process on the FS store 109 ms
 * (median 122) against 6.2 s for the walk (57×), the gap being the JIT compiling the code path
 * as it runs, not reads. Reads ahead of a diff overlap store latency (diff-read-ahead.ts): with
 * 5 ms per GET, a 100-change diff took ~70 ms (measured before node packs).
 */
export { FileIndex, type FileIndexOptions } from './file-index.ts';
export type { NodeLocation } from './node-pack.ts';
export type { NodeStoreStats } from './node-store.ts';
export type { DiffOptions } from './tree-diff.ts';
export { compileGlob, splitGlobSegments } from './tree-glob.ts';
export type { ChildRef } from './tree-node.ts';
export type { WalkOptions } from './tree-reader.ts';
export type { TreeShapeOptions } from './tree-shape.ts';
export type { TreeWriter } from './tree-writer.ts';
export type { FileEntry, TreeChange, TreeDifference, TreeItem, TreeSummary } from './types.ts';
