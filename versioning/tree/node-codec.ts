/**
 * The stored form of tree nodes, named by the SHA-256 of their named bytes (all but a branch's
 * child locations, below): one line of UTF-8 JSON with the node's paths and numbers in columns,
 * a newline, then the node's hashes as raw 32-byte values. JSON never holds a raw newline, so the
 * first one ends the header. Hashes are most of a node's bytes; raw, they take half the space of
 * hex, cost nothing to parse, and compare in place.
 *
 * Leaf (level 0), n entries:
 *   {"format":1,"level":0,
 *    "paths":[shared,suffix,…],  each path is the first `shared` UTF-16 units of the previous path
 *                                followed by `suffix` (sorted neighbours share long prefixes)
 *    "sizes":[…],                 file sizes
 *    "packs":[packId…],           the packs the node's chunks live in, each written once
 *    "content":[…]}               per entry: kind, part count, then per part
 *                                 kind 0 (inline chunks): packIndex, offset, length
 *                                 kind 1 (chunk lists):   size, chunkCount
 *   tail: the n content hashes, then the chunk IDs / chunk list hashes of all parts in order.
 * Branch (level L ≥ 1), n children:
 *   {"format":1,"level":L,
 *    "paths":[sharedFirst,firstSuffix,sharedLast,lastSuffix,…],  first coded against the previous
 *                                child's last path, last against the first
 *    "counts":[files,bytes,…]}
 *   tail: the n children's node hashes.
 *   then, unnamed, only when some child lies in a node pack (node-pack.ts):
 *   {"packs":[packId…]}, a newline, then per child three 32-bit big-endian numbers: its pack's
 *   index in packs and the range of its bytes there [offset, length]; 2^32-1, 0, 0 for a child
 *   stored on its own
 *
 * A node's name covers what it holds — entries, or children's hashes, spans and totals — and not
 * where its children are stored: the same entries give the same nodes however they were written,
 * and a wrong location can only make a read fail its hash check. A branch's named bytes end after
 * the hashes its header counts; the locations follow them.
 *
 * Decoding trusts nothing: the bytes must hash to the node's name, and what every read needs —
 * shapes, sizes and counts, lengths, the order of paths — is checked at once. The rest is checked
 * when first handed out (tree-node.ts): a path's canonical form, a leaf's content column (chunk
 * places, which diffs and seeks never look at). Any failure is a CorruptDataError naming the node.
 */
import { hash as digest } from 'node:crypto';
import { CorruptDataError, InvalidArgumentError } from '../errors.ts';
import { type ObjectHash, type PackId, parseObjectHash, parsePackId } from '../ids.ts';
import { LocationColumn, STANDALONE } from './node-pack.ts';
import { BranchNode, type ChildRef, HASH_BYTES, HashColumn, LeafNode, type TreeNode } from './tree-node.ts';
import { sharedPrefixLength } from './tree-shape.ts';
import type { FileEntry } from './types.ts';

export const NODE_FORMAT = 1;
const NEWLINE = 0x0a;

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

export interface EncodedNode {
  readonly hash: ObjectHash;
  /** The stored bytes: the named bytes, then a branch's child locations if any. */
  readonly bytes: Uint8Array;
}

export function hashBytes(bytes: Uint8Array): ObjectHash {
  return parseObjectHash(digest('sha256', bytes, 'hex'));
}

export function encodeLeaf(entries: readonly FileEntry[]): EncodedNode {
  const paths: (string | number)[] = [];
  const sizes: number[] = [];
  const packs = new Map<PackId, number>();
  const content: number[] = [];
  const ids: string[] = [];
  let previous = '';
  for (const entry of entries) {
    const shared = sharedPrefixLength(previous, entry.path);
    paths.push(shared, entry.path.slice(shared));
    previous = entry.path;
    sizes.push(storable(entry.size));
    if (entry.content.kind === 'chunks') {
      content.push(0, entry.content.chunks.length);
      for (const chunk of entry.content.chunks) {
        let index = packs.get(chunk.pack);
        if (index === undefined) {
          index = packs.size;
          packs.set(chunk.pack, index);
        }
        content.push(index, storable(chunk.offset), storable(chunk.length));
        ids.push(chunk.id);
      }
    } else {
      content.push(1, entry.content.lists.length);
      for (const list of entry.content.lists) {
        content.push(storable(list.size), storable(list.chunkCount));
        ids.push(list.hash);
      }
    }
  }
  const header = { format: NODE_FORMAT, level: 0, paths, sizes, packs: [...packs.keys()], content };
  return named(header, [...entries.map((entry) => entry.hash), ...ids]);
}

export function encodeBranch(level: number, children: readonly ChildRef[]): EncodedNode {
  const paths: (string | number)[] = [];
  const counts: number[] = [];
  let previous = '';
  for (const child of children) {
    const sharedFirst = sharedPrefixLength(previous, child.first);
    const sharedLast = sharedPrefixLength(child.first, child.last);
    paths.push(sharedFirst, child.first.slice(sharedFirst), sharedLast, child.last.slice(sharedLast));
    previous = child.last;
    counts.push(storable(child.fileCount), storable(child.totalBytes));
  }
  const node = named(
    { format: NODE_FORMAT, level, paths, counts },
    children.map((child) => child.hash),
  );
  if (children.every((child) => child.location === undefined)) return node;
  const { packs, places } = LocationColumn.of(children.map((child) => child.location));
  const packLine = Buffer.from(`${JSON.stringify({ packs })}\n`);
  const trailer = Buffer.alloc(packLine.length + 4 * places.length);
  packLine.copy(trailer);
  for (let i = 0; i < places.length; i++) trailer.writeUInt32BE(places[i]!, packLine.length + 4 * i);
  return { hash: node.hash, bytes: Buffer.concat([node.bytes, trailer]) };
}

function named(header: object, hashes: readonly string[]): EncodedNode {
  const json = JSON.stringify(header);
  const headerBytes = Buffer.byteLength(json);
  const bytes = Buffer.allocUnsafe(headerBytes + 1 + hashes.length * HASH_BYTES);
  bytes.write(json, 0, 'utf8');
  bytes[headerBytes] = NEWLINE;
  let at = headerBytes + 1;
  for (const hash of hashes) {
    if (bytes.write(hash, at, HASH_BYTES, 'hex') !== HASH_BYTES || hash.length !== 2 * HASH_BYTES) {
      throw new InvalidArgumentError(
        `cannot store hash ${JSON.stringify(hash)} in the file index: expected a SHA-256 in hex`,
      );
    }
    at += HASH_BYTES;
  }
  return { hash: hashBytes(bytes), bytes };
}

/** Sizes, offsets and counts are stored as JSON numbers: whole, ≥ 0, exact in a double. */
function storable(value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InvalidArgumentError(
      `cannot store ${value} in the file index: sizes, offsets and counts are whole numbers from 0 to 2^53-1`,
    );
  }
  return value;
}

type Fail = (detail: string, cause?: unknown) => CorruptDataError;
type Field = (key: string) => unknown;

/** Decodes a node read from the store under `name`, verifying its bytes against the name. */
export function decodeNode(name: ObjectHash, bytes: Uint8Array): TreeNode {
  const stored = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = stored.indexOf(NEWLINE);
  let header: unknown;
  let headerError: unknown;
  try {
    header = end < 0 ? undefined : JSON.parse(utf8Strict.decode(stored.subarray(0, end)));
  } catch (error) {
    headerError = error;
  }
  // The header is parsed before the check only to find where the named bytes end; it is part of them.
  const namedEnd = namedLength(header, end, stored.length);
  const actual = hashBytes(stored.subarray(0, namedEnd));
  if (actual !== name) {
    throw new CorruptDataError(
      `tree node ${name} is corrupt: its ${namedEnd} stored bytes hash to ${actual}; restore the object from a replica or backup`,
    );
  }
  const fail: Fail = (detail, cause) =>
    new CorruptDataError(
      `tree node ${name} is malformed: ${detail}; the node was written by a faulty writer or the store is damaged`,
      { cause },
    );
  if (end < 0) throw fail('it has no header line');
  if (headerError !== undefined) throw fail('its header is not UTF-8 JSON', headerError);
  if (typeof header !== 'object' || header === null) throw fail('its header is not a JSON object');
  const field: Field = (key) => (key in header ? Reflect.get(header, key) : undefined);
  if (field('format') !== NODE_FORMAT) throw fail(`format ${JSON.stringify(field('format'))} is unknown`);
  const level = field('level');
  if (!isCount(level)) throw fail(`level ${JSON.stringify(level)} is not a whole number`);
  const paths = field('paths');
  if (!Array.isArray(paths)) throw fail('the paths column is not an array');
  const tail = stored.subarray(end + 1, namedEnd);
  if (level === 0) return decodeLeaf(name, paths, tail, field, fail);
  const locations = decodeLocations(stored.subarray(namedEnd), paths.length / 4, fail);
  return decodeBranch(name, level, paths, tail, locations, field, fail);
}

/** Where a node's named bytes end: a branch's after the hashes its header counts, a leaf's at the end. */
function namedLength(header: unknown, end: number, length: number): number {
  if (typeof header !== 'object' || header === null) return length;
  const level = Reflect.get(header, 'level');
  const paths = Reflect.get(header, 'paths');
  if (!isCount(level) || level === 0 || !Array.isArray(paths) || paths.length % 4 !== 0) return length;
  return Math.min(length, end + 1 + (paths.length / 4) * HASH_BYTES);
}

/** The child locations after a branch's named bytes; undefined when there are none (all standalone). */
function decodeLocations(trailer: Buffer, count: number, fail: Fail): LocationColumn | undefined {
  if (trailer.length === 0) return undefined;
  const end = trailer.indexOf(NEWLINE);
  let parsed: unknown;
  try {
    parsed = end < 0 ? undefined : JSON.parse(utf8Strict.decode(trailer.subarray(0, end)));
  } catch (error) {
    throw fail('its child locations do not start with a JSON line', error);
  }
  const packs: unknown =
    typeof parsed === 'object' && parsed !== null ? Reflect.get(parsed, 'packs') : undefined;
  if (!Array.isArray(packs) || trailer.length - end - 1 !== 12 * count) {
    throw fail('its child locations are not a packs line and three 32-bit numbers per child');
  }
  const ids = packs.map((pack: unknown) => {
    try {
      return parsePackId(String(pack));
    } catch (error) {
      throw fail(`node pack ID ${JSON.stringify(pack)} is not valid`, error);
    }
  });
  const places = new Uint32Array(3 * count);
  for (let i = 0, at = end + 1; i < places.length; i++, at += 4) places[i] = trailer.readUInt32BE(at);
  for (let i = 0; i < places.length; i += 3) {
    const [pack, offset, length] = [places[i]!, places[i + 1]!, places[i + 2]!];
    const valid = pack === STANDALONE ? offset === 0 && length === 0 : pack < ids.length && length > 0;
    if (!valid)
      throw fail(`the location of child ${i / 3} is malformed: ${[pack, offset, length].join(', ')}`);
  }
  return new LocationColumn(ids, places);
}

function decodeBranch(
  name: ObjectHash,
  level: number,
  paths: readonly unknown[],
  tail: Buffer,
  locations: LocationColumn | undefined,
  field: Field,
  fail: Fail,
): BranchNode {
  const count = paths.length / 4;
  const counts = field('counts');
  if (!Number.isInteger(count) || count === 0 || tail.length !== count * HASH_BYTES) {
    throw fail('a branch node needs 1 or more children, each with two paths and a hash');
  }
  if (!Array.isArray(counts) || counts.length !== count * 2 || !counts.every(isCount)) {
    throw fail('the counts column is not two whole numbers per child');
  }
  const firsts: string[] = [];
  const lasts: string[] = [];
  let previous = '';
  for (let i = 0; i < count; i++) {
    const first = rebuild(previous, paths[4 * i], paths[4 * i + 1], fail);
    const last = rebuild(first, paths[4 * i + 2], paths[4 * i + 3], fail);
    if ((i > 0 && !(first > previous)) || last < first) {
      throw fail(`child spans are out of order at ${JSON.stringify(first)} … ${JSON.stringify(last)}`);
    }
    firsts.push(first);
    lasts.push(last);
    previous = last;
  }
  const fileCounts = counts.filter((_, i) => i % 2 === 0);
  const byteCounts = counts.filter((_, i) => i % 2 === 1);
  const hashes = new HashColumn(tail);
  return new BranchNode({ name, level, firsts, lasts, fileCounts, byteCounts, hashes, locations });
}

function decodeLeaf(
  name: ObjectHash,
  paths: readonly unknown[],
  tail: Buffer,
  field: Field,
  fail: Fail,
): LeafNode {
  const count = paths.length / 2;
  const sizes = field('sizes');
  if (!Number.isInteger(count)) throw fail('the paths column is not pairs');
  if (!Array.isArray(sizes) || sizes.length !== count || !sizes.every(isCount)) {
    throw fail('the sizes column is not one whole number per entry');
  }
  const keys: string[] = [];
  let previous = '';
  for (let i = 0; i < count; i++) {
    const path = rebuild(previous, paths[2 * i], paths[2 * i + 1], fail);
    if (i > 0 && !(path > previous)) {
      throw fail(`path ${JSON.stringify(path)} does not sort after ${JSON.stringify(previous)}`);
    }
    keys.push(path);
    previous = path;
  }
  const packs = field('packs');
  const content = field('content');
  if (!Array.isArray(packs) || !Array.isArray(content))
    throw fail('the packs or content column is not an array');
  if (tail.length < count * HASH_BYTES || tail.length % HASH_BYTES !== 0) {
    throw fail('the hashes after the header are fewer than the entries');
  }
  const hashes = new HashColumn(tail.subarray(0, count * HASH_BYTES));
  const ids = new HashColumn(tail.subarray(count * HASH_BYTES));
  return new LeafNode({ name, paths: keys, sizes, hashes, packs, content, ids });
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** A prefix-coded path: the first `shared` units of `base`, then `suffix`. */
function rebuild(base: string, shared: unknown, suffix: unknown, fail: Fail): string {
  if (
    !isCount(shared) ||
    shared > base.length ||
    typeof suffix !== 'string' ||
    shared + suffix.length === 0
  ) {
    throw fail('a prefix-coded path is malformed');
  }
  return shared === 0 ? suffix : base.slice(0, shared) + suffix;
}
