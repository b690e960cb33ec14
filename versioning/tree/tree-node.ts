/**
 * Decoded tree nodes, kept in columns. Decoding (node-codec.ts) checks every column up front —
 * shapes, numbers, order of paths — so that the tree algorithms can work on the raw columns:
 * paths as plain strings for seeks, hashes as raw bytes compared in place. The branded FileEntry
 * and ChildRef values are built only when one is handed out, and cached; only then is a path
 * checked to be canonical. A diff or a seek thus builds almost no objects, which is most of the
 * cost of reading a node.
 */
import type { ChunkListRef, ChunkRef } from '../content/types.ts';
import { CorruptDataError } from '../errors.ts';
import {
  type FilePath,
  type ObjectHash,
  type PackId,
  parseChunkId,
  parseFileHash,
  parseFilePath,
  parseObjectHash,
  parsePackId,
} from '../ids.ts';
import { LocationColumn, type NodeLocation } from './node-pack.ts';
import type { FileEntry } from './types.ts';

/** A reference from a branch node to a child node, with the child's span and totals. */
export interface ChildRef {
  readonly hash: ObjectHash;
  readonly first: FilePath;
  readonly last: FilePath;
  readonly fileCount: number;
  readonly totalBytes: number;
  /**
   * Where the child's bytes are stored: a range of a node pack. Absent: a standalone object at
   * `nodeKey(hash)` (every root, and every node written before node packs). Not part of the
   * node's name: a location is a hint, checked by the hash of what is read there.
   */
  readonly location?: NodeLocation;
}

/** Bytes of a SHA-256 in a hash column. */
export const HASH_BYTES = 32;

/**
 * A column of SHA-256 hashes, copied once into memory of its own so that it is aligned: two
 * hashes then compare as 8 words, with no call and no allocation, which diffs do for every entry.
 */
export class HashColumn {
  readonly #bytes: Buffer;
  readonly #words: Uint32Array;

  constructor(hashes: Uint8Array) {
    const copy = new Uint8Array(hashes.byteLength);
    copy.set(hashes);
    this.#bytes = Buffer.from(copy.buffer);
    this.#words = new Uint32Array(copy.buffer);
  }

  static fromHex(hashes: readonly string[]): HashColumn {
    return new HashColumn(Buffer.from(hashes.join(''), 'hex'));
  }

  get count(): number {
    return this.#bytes.length / HASH_BYTES;
  }

  hex(i: number): string {
    return this.#bytes.toString('hex', i * HASH_BYTES, (i + 1) * HASH_BYTES);
  }

  same(i: number, other: HashColumn, j: number): boolean {
    const a = this.#words;
    const b = other.#words;
    const x = i * 8;
    const y = j * 8;
    return (
      a[x] === b[y] &&
      a[x + 1] === b[y + 1] &&
      a[x + 2] === b[y + 2] &&
      a[x + 3] === b[y + 3] &&
      a[x + 4] === b[y + 4] &&
      a[x + 5] === b[y + 5] &&
      a[x + 6] === b[y + 6] &&
      a[x + 7] === b[y + 7]
    );
  }
}

/** The columns of a leaf: all checked but `packs` and `content`, checked on first use. */
export interface LeafColumns {
  readonly name: ObjectHash;
  readonly paths: readonly string[];
  readonly sizes: readonly number[];
  /** The entries' content hashes. */
  readonly hashes: HashColumn;
  readonly packs: readonly unknown[];
  /**
   * Per entry: kind, part count, then per part [pack index, offset, length] (kind 0, inline
   * chunks) or [size, chunk count] (kind 1, chunk lists).
   */
  readonly content: readonly unknown[];
  /** The chunk IDs and list hashes of all entries' parts, in order. */
  readonly ids: HashColumn;
}

/** Where each entry's content starts, found and checked in one pass over the content column. */
interface ContentIndex {
  readonly packs: readonly PackId[];
  readonly content: readonly number[];
  readonly contentStarts: readonly number[];
  readonly idStarts: readonly number[];
}

export class LeafNode {
  readonly kind = 'leaf';
  readonly level = 0;
  readonly count: number;
  readonly fileCount: number;
  readonly totalBytes: number;
  readonly #columns: LeafColumns;
  readonly #entries: (FileEntry | undefined)[];
  #contentIndex: ContentIndex | undefined;

  constructor(columns: LeafColumns) {
    this.#columns = columns;
    this.count = columns.paths.length;
    this.fileCount = this.count;
    let total = 0;
    for (const size of columns.sizes) total += size;
    this.totalBytes = total;
    this.#entries = new Array(this.count);
  }

  /** The path of entry `i`, for comparisons (use `entry(i).path` to hand it out). */
  key(i: number): string {
    return this.#columns.paths[i]!;
  }

  size(i: number): number {
    return this.#columns.sizes[i]!;
  }

  /** Whether entry `i` has the same content hash and size as entry `j` of `other`. */
  sameContent(i: number, other: LeafNode, j: number): boolean {
    return (
      this.#columns.sizes[i] === other.#columns.sizes[j] &&
      this.#columns.hashes.same(i, other.#columns.hashes, j)
    );
  }

  entry(i: number): FileEntry {
    let entry = this.#entries[i];
    if (entry === undefined) {
      entry = this.#build(i);
      this.#entries[i] = entry;
    }
    return entry;
  }

  #build(i: number): FileEntry {
    const columns = this.#columns;
    this.#contentIndex ??= indexContent(columns);
    const { packs, content, contentStarts, idStarts } = this.#contentIndex;
    const path = canonicalPath(columns.name, columns.paths[i]!);
    const size = columns.sizes[i]!;
    const hash = parseFileHash(columns.hashes.hex(i));
    let at = contentStarts[i]!;
    const kind = content[at]!;
    const parts = content[at + 1]!;
    at += 2;
    let id = idStarts[i]!;
    if (kind === 0) {
      const chunks: ChunkRef[] = [];
      for (let part = 0; part < parts; part++, at += 3, id++) {
        const [pack, offset, length] = [packs[content[at]!]!, content[at + 1]!, content[at + 2]!];
        chunks.push({ id: parseChunkId(columns.ids.hex(id)), pack, offset, length });
      }
      return { path, size, hash, content: { kind: 'chunks', chunks } };
    }
    const lists: ChunkListRef[] = [];
    for (let part = 0; part < parts; part++, at += 2, id++) {
      lists.push({
        hash: parseObjectHash(columns.ids.hex(id)),
        size: content[at]!,
        chunkCount: content[at + 1]!,
      });
    }
    return { path, size, hash, content: { kind: 'lists', lists } };
  }
}

function indexContent(columns: LeafColumns): ContentIndex {
  const fail = (detail: string, cause?: unknown) =>
    new CorruptDataError(
      `tree node ${columns.name} is malformed: ${detail}; the node was written by a faulty writer or the store is damaged`,
      { cause },
    );
  const packs = columns.packs.map((pack) => {
    try {
      return parsePackId(String(pack));
    } catch (error) {
      throw fail(`pack ID ${JSON.stringify(pack)} is not valid`, error);
    }
  });
  const content: number[] = [];
  for (const value of columns.content) {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw fail('the content column is not whole numbers');
    }
    content.push(value);
  }
  const contentStarts: number[] = [];
  const idStarts: number[] = [];
  let at = 0;
  let ids = 0;
  for (const path of columns.paths) {
    contentStarts.push(at);
    idStarts.push(ids);
    const kind = content[at];
    const parts = content[at + 1];
    const width = kind === 0 ? 3 : kind === 1 ? 2 : undefined;
    if (width === undefined || parts === undefined || at + 2 + parts * width > content.length) {
      throw fail(`entry ${JSON.stringify(path)} has an unknown content layout`);
    }
    for (let part = 0; kind === 0 && part < parts; part++) {
      if (content[at + 2 + part * 3]! >= packs.length)
        throw fail(`entry ${JSON.stringify(path)} names a missing pack`);
    }
    at += 2 + parts * width;
    ids += parts;
  }
  if (at !== content.length || columns.ids.count !== ids) {
    throw fail('the content column and the hashes do not add up');
  }
  return { packs, content, contentStarts, idStarts };
}

/** The checked columns of a branch node. */
export interface BranchColumns {
  readonly name: ObjectHash | undefined;
  readonly level: number;
  readonly firsts: readonly string[];
  readonly lasts: readonly string[];
  readonly fileCounts: readonly number[];
  readonly byteCounts: readonly number[];
  /** The children's node hashes. */
  readonly hashes: HashColumn;
  /** Where the children are stored; undefined when all are standalone. */
  readonly locations: LocationColumn | undefined;
}

export class BranchNode {
  readonly kind = 'branch';
  readonly level: number;
  readonly count: number;
  readonly fileCount: number;
  readonly totalBytes: number;
  readonly #columns: BranchColumns;
  readonly #refs: (ChildRef | undefined)[];

  constructor(columns: BranchColumns, refs?: readonly ChildRef[]) {
    this.#columns = columns;
    this.level = columns.level;
    this.count = columns.firsts.length;
    let files = 0;
    let bytes = 0;
    for (let i = 0; i < this.count; i++) {
      files += columns.fileCounts[i]!;
      bytes += columns.byteCounts[i]!;
    }
    this.fileCount = files;
    this.totalBytes = bytes;
    this.#refs = refs === undefined ? new Array(this.count) : [...refs];
  }

  /** A node made of references that are already checked (the pseudo-parent of a root). */
  static of(level: number, refs: readonly ChildRef[]): BranchNode {
    const columns: BranchColumns = {
      name: undefined,
      level,
      firsts: refs.map((ref) => ref.first),
      lasts: refs.map((ref) => ref.last),
      fileCounts: refs.map((ref) => ref.fileCount),
      byteCounts: refs.map((ref) => ref.totalBytes),
      hashes: HashColumn.fromHex(refs.map((ref) => ref.hash)),
      locations: LocationColumn.of(refs.map((ref) => ref.location)),
    };
    return new BranchNode(columns, refs);
  }

  firstKey(i: number): string {
    return this.#columns.firsts[i]!;
  }

  lastKey(i: number): string {
    return this.#columns.lasts[i]!;
  }

  /** Whether child `i` is the same node as child `j` of `other`. */
  sameChild(i: number, other: BranchNode, j: number): boolean {
    return this.#columns.hashes.same(i, other.#columns.hashes, j);
  }

  /** The name of child `i`, to fetch it. */
  childName(i: number): ObjectHash {
    return parseObjectHash(this.#columns.hashes.hex(i));
  }

  /** Where child `i` is stored (undefined: standalone at `nodeKey`). */
  childLocation(i: number): NodeLocation | undefined {
    return this.#columns.locations?.at(i);
  }

  childFiles(i: number): number {
    return this.#columns.fileCounts[i]!;
  }

  childBytes(i: number): number {
    return this.#columns.byteCounts[i]!;
  }

  child(i: number): ChildRef {
    let ref = this.#refs[i];
    if (ref === undefined) {
      const columns = this.#columns;
      ref = {
        hash: this.childName(i),
        first: canonicalPath(columns.name, columns.firsts[i]!),
        last: canonicalPath(columns.name, columns.lasts[i]!),
        fileCount: columns.fileCounts[i]!,
        totalBytes: columns.byteCounts[i]!,
        location: this.childLocation(i),
      };
      this.#refs[i] = ref;
    }
    return ref;
  }
}

export type TreeNode = LeafNode | BranchNode;

/** The first and last paths of a node's items (raw). */
export function nodeSpan(node: TreeNode): { first: string; last: string } | undefined {
  if (node.count === 0) return undefined;
  return node.kind === 'leaf'
    ? { first: node.key(0), last: node.key(node.count - 1) }
    : { first: node.firstKey(0), last: node.lastKey(node.count - 1) };
}

/** The reference a parent would hold for `node`. Undefined for the empty leaf. */
export function refTo(hash: ObjectHash, node: TreeNode): ChildRef | undefined {
  if (node.count === 0) return undefined;
  const first = node.kind === 'leaf' ? node.entry(0).path : node.child(0).first;
  const last = node.kind === 'leaf' ? node.entry(node.count - 1).path : node.child(node.count - 1).last;
  return { hash, first, last, fileCount: node.fileCount, totalBytes: node.totalBytes };
}

function canonicalPath(node: ObjectHash | undefined, text: string): FilePath {
  let path: FilePath | undefined;
  try {
    path = parseFilePath(text);
  } catch {
    path = undefined;
  }
  if (path !== text) {
    throw new CorruptDataError(
      `tree node ${node} is malformed: path ${JSON.stringify(text)} is not a canonical file path; the node was written by a faulty writer`,
    );
  }
  return path;
}
