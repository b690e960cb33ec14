/** Shared fixtures for the file index tests (test/unit/tree-*.test.ts). */
import { createHash } from 'node:crypto';
import { MemoryObjectStore } from '../../adapters/memory/object-store.ts';
import {
  type FilePath,
  type ObjectHash,
  parseChunkId,
  parseFileHash,
  parseFilePath,
  parseObjectHash,
  parsePackId,
} from '../../versioning/ids.ts';
import { nodeKey, nodePackKey } from '../../versioning/object-keys.ts';
import type { ByteRange, ObjectStore } from '../../versioning/ports.ts';
import type { FileEntry, TreeChange, TreeItem } from '../../versioning/tree/index.ts';
import { FileIndex, type FileIndexOptions } from '../../versioning/tree/index.ts';

export const PACK = parsePackId('0123456789abcdef0123456789abcdef');

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

export const p = (text: string): FilePath => parseFilePath(text);

/** A file entry whose content is made up from its path and a version number. */
export function entry(path: string, version = 0): FileEntry {
  const size = (sha256(`${path}#${version}`).charCodeAt(0) * 37) % 5000;
  return {
    path: p(path),
    size,
    hash: parseFileHash(sha256(`file ${path} ${version}`)),
    content: {
      kind: 'chunks',
      chunks: [
        { id: parseChunkId(sha256(`chunk ${path} ${version}`)), pack: PACK, offset: version, length: size },
      ],
    },
  };
}

/** '/d03/d12/f00042.txt'-like paths: `count` files spread over a two-level directory tree. */
export function syntheticPaths(count: number, prefix = ''): string[] {
  const paths: string[] = [];
  for (let i = 0; i < count; i++) {
    const top = String(i % 17).padStart(2, '0');
    const mid = String(Math.floor(i / 17) % 23).padStart(2, '0');
    paths.push(`${prefix}/d${top}/e${mid}/f${String(i).padStart(7, '0')}.txt`);
  }
  return paths.sort();
}

export function newIndex(options: FileIndexOptions = {}): { store: MemoryObjectStore; index: FileIndex } {
  const store = new MemoryObjectStore();
  return { store, index: new FileIndex(store, options) };
}

/** A node as stored, found by walking a tree down from its root. */
export interface StoredNode {
  readonly hash: string;
  /** The object holding it: `nodes/…` for a standalone node, `nodepacks/…` for a packed one. */
  readonly key: string;
  /** Its bytes' range in a node pack (undefined when standalone). */
  readonly range: ByteRange | undefined;
  readonly bytes: Uint8Array;
  /** The bytes its name is the SHA-256 of: all but a branch's child locations. */
  readonly named: Uint8Array;
  readonly level: number;
  /** The header line, parsed. */
  readonly json: { readonly level: number; readonly paths: readonly (string | number)[] };
}

/** Every node of the tree `root`, read straight from the store, parents before children. */
export async function storedNodes(store: ObjectStore, root: ObjectHash): Promise<StoredNode[]> {
  const nodes: StoredNode[] = [];
  const queue: { hash: string; key: string; range: ByteRange | undefined }[] = [
    { hash: root, key: nodeKey(root), range: undefined },
  ];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const bytes = Buffer.from(await store.get(next.key, next.range));
    const end = bytes.indexOf(10);
    const json = JSON.parse(bytes.toString('utf8', 0, end)) as StoredNode['json'];
    const count = json.level === 0 ? 0 : json.paths.length / 4;
    const namedEnd = json.level === 0 ? bytes.length : end + 1 + count * 32;
    const trailer = bytes.subarray(namedEnd);
    const packsEnd = trailer.indexOf(10);
    const packs: string[] =
      trailer.length === 0 ? [] : JSON.parse(trailer.toString('utf8', 0, packsEnd)).packs;
    const place = (i: number, k: number) => trailer.readUInt32BE(packsEnd + 1 + 12 * i + 4 * k);
    for (let i = 0; i < count; i++) {
      const at = end + 1 + i * 32;
      const hash = bytes.toString('hex', at, at + 32);
      const pack = trailer.length === 0 ? undefined : packs[place(i, 0)];
      queue.push(
        pack === undefined
          ? { hash, key: nodeKey(parseObjectHash(hash)), range: undefined }
          : {
              hash,
              key: nodePackKey(parsePackId(pack)),
              range: { offset: place(i, 1), length: place(i, 2) },
            },
      );
    }
    nodes.push({ ...next, bytes, named: bytes.subarray(0, namedEnd), level: json.level, json });
  }
  return nodes;
}

/** Replaces a stored object's bytes with `change(bytes)`, as damage or a faulty writer would. */
export async function rewrite(
  store: ObjectStore,
  key: string,
  change: (bytes: Buffer) => Uint8Array,
): Promise<void> {
  const bytes = change(Buffer.from(await store.get(key)));
  await store.delete(key);
  await store.putIfAbsent(key, bytes);
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** The sort key of a listing row: a directory sorts as its path + '/'. */
export const itemKey = (item: TreeItem): string => (item.type === 'dir' ? `${item.path}/` : item.path);

/** A seeded pseudo-random generator (mulberry32), so failures replay. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The plain model the tree is checked against: a Map of path → entry, with the same change
 * semantics written the obvious way.
 */
export class ModelTree {
  readonly files = new Map<string, FileEntry>();

  constructor(entries: Iterable<FileEntry> = []) {
    for (const e of entries) this.files.set(e.path, e);
  }

  apply(changes: readonly TreeChange[]): void {
    const deletedDirs = changes.filter((c) => c.kind === 'delete-dir').map((c) => c.path);
    for (const dir of deletedDirs) {
      for (const path of [...this.files.keys()]) {
        if (path === dir || path.startsWith(dir === '/' ? '/' : `${dir}/`)) this.files.delete(path);
      }
    }
    for (const change of changes) {
      if (change.kind === 'put') this.files.set(change.path, change.entry);
      if (change.kind === 'delete') this.files.delete(change.path);
    }
  }

  sorted(): FileEntry[] {
    return [...this.files.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /** Every file and implied directory (not the root), with directory totals, in entry order. */
  items(): TreeItem[] {
    const dirs = new Map<string, { fileCount: number; totalBytes: number }>();
    for (const file of this.files.values()) {
      for (let slash = file.path.indexOf('/', 1); slash >= 0; slash = file.path.indexOf('/', slash + 1)) {
        const dir = file.path.slice(0, slash);
        const totals = dirs.get(dir) ?? { fileCount: 0, totalBytes: 0 };
        totals.fileCount++;
        totals.totalBytes += file.size;
        dirs.set(dir, totals);
      }
    }
    const items: TreeItem[] = [...this.files.values()].map((e) => ({ type: 'file', path: e.path, entry: e }));
    for (const [dir, totals] of dirs) items.push({ type: 'dir', path: p(dir), ...totals });
    return items.sort((a, b) => (itemKey(a) < itemKey(b) ? -1 : itemKey(a) > itemKey(b) ? 1 : 0));
  }
}
