/**
 * Point and range reads of one tree. Every read seeks instead of scanning: a lookup reads one
 * node per level, a listing reads O(depth) nodes per row, whatever the directory holds below.
 */
import { type FilePath, type ObjectHash, parseFilePath } from '../ids.ts';
import type { NodeStore } from './node-store.ts';
import { dirRange } from './path-range.ts';
import { type CursorOptions, type Totals, TreeCursor } from './tree-cursor.ts';
import type { FileEntry, TreeItem, TreeSummary } from './types.ts';

export interface WalkOptions {
  /** Only paths that start with this string (a directory's contents: give `dir + '/'`). */
  readonly prefix?: string;
  /** Start at this path (inclusive). */
  readonly from?: string;
  /** Start after this path (exclusive): pass the last path of the previous page. */
  readonly after?: string;
}

export async function treeSummary(nodes: NodeStore, root: ObjectHash): Promise<TreeSummary> {
  const node = await nodes.read(root);
  return { root, fileCount: node.fileCount, totalBytes: node.totalBytes };
}

/** The entry at `path`, reading one node per level. */
export async function getEntry(
  nodes: NodeStore,
  root: ObjectHash,
  path: FilePath,
): Promise<FileEntry | undefined> {
  let node = await nodes.read(root);
  while (node.kind === 'branch') {
    let low = 0;
    let high = node.count;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (node.lastKey(mid) < path) low = mid + 1;
      else high = mid;
    }
    if (low === node.count || node.firstKey(low) > path) return undefined;
    node = await nodes.readChild(node.level, node.child(low));
  }
  let low = 0;
  let high = node.count;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (node.key(mid) < path) low = mid + 1;
    else high = mid;
  }
  return low < node.count && node.key(low) === path ? node.entry(low) : undefined;
}

/** Entries in path order, from the options' start, while they carry the prefix. */
export async function* walkEntries(
  nodes: NodeStore,
  root: ObjectHash,
  options: WalkOptions = {},
  cursorOptions: CursorOptions = { readAhead: 8, keepLeaves: false },
): AsyncGenerator<FileEntry> {
  const prefix = options.prefix ?? '';
  let start = prefix;
  if (options.from !== undefined && options.from > start) start = options.from;
  // Paths hold no NUL, so `after + '\0'` is the smallest path after `after`.
  if (options.after !== undefined && `${options.after}\0` > start) start = `${options.after}\0`;
  const cursor = await TreeCursor.open(nodes, root, cursorOptions);
  await cursor.seek(start);
  while (!cursor.done && cursor.first.startsWith(prefix)) {
    if (cursor.atEntry) {
      yield cursor.entry();
      cursor.next();
    } else {
      await cursor.descend();
    }
  }
}

/** The files and directories directly in `dir` ('/' for the root), each once, in entry order. */
export async function* listDirectory(
  nodes: NodeStore,
  root: ObjectHash,
  dir: FilePath,
): AsyncGenerator<TreeItem> {
  const { start: inside } = dirRange(dir);
  const cursor = await TreeCursor.open(nodes, root);
  await cursor.seek(inside);
  while (!cursor.done && cursor.first.startsWith(inside)) {
    const first = cursor.first;
    const slash = first.indexOf('/', inside.length);
    if (slash < 0) {
      // A file of this directory: its entry is at the start of the item.
      if (cursor.atEntry) {
        const entry = cursor.entry();
        yield { type: 'file', path: entry.path, entry };
        cursor.next();
      } else {
        await cursor.descend();
      }
      continue;
    }
    // A subdirectory: sum its files while seeking past them.
    const path = derivedPath(first.slice(0, slash));
    const totals: Totals = { fileCount: 0, totalBytes: 0 };
    await cursor.seek(dirRange(path).end, totals);
    yield { type: 'dir', path, ...totals };
  }
}

/** The file at `path`, else the directory, else undefined. The root is always a directory. */
export async function statPath(
  nodes: NodeStore,
  root: ObjectHash,
  path: FilePath,
): Promise<TreeItem | undefined> {
  if (path !== '/') {
    const entry = await getEntry(nodes, root, path);
    if (entry !== undefined) return { type: 'file', path, entry };
  }
  const totals = await directoryTotals(nodes, root, path);
  if (totals === undefined) return undefined;
  return { type: 'dir', path, ...totals };
}

/** Whether some file lies under `dir` + '/' (the root always exists). */
export async function directoryExists(nodes: NodeStore, root: ObjectHash, dir: FilePath): Promise<boolean> {
  if (dir === '/') return true;
  const { start } = dirRange(dir);
  const cursor = await TreeCursor.open(nodes, root);
  await cursor.seek(start);
  return !cursor.done && cursor.first.startsWith(start);
}

/** Totals of the files under `dir`, or undefined when there are none (and `dir` is not '/'). */
export async function directoryTotals(
  nodes: NodeStore,
  root: ObjectHash,
  dir: FilePath,
): Promise<Totals | undefined> {
  const { start, end } = dirRange(dir);
  const cursor = await TreeCursor.open(nodes, root);
  await cursor.seek(start);
  if (cursor.done || !cursor.first.startsWith(start)) {
    return dir === '/' ? { fileCount: 0, totalBytes: 0 } : undefined;
  }
  const totals: Totals = { fileCount: 0, totalBytes: 0 };
  await cursor.seek(end, totals);
  return totals;
}

/** A directory path cut from a stored (already checked) file path. */
export function derivedPath(text: string): FilePath {
  return parseFilePath(text, { allowRoot: true });
}
