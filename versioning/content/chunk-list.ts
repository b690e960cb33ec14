/**
 * Chunk lists: immutable objects that hold a stretch of a large file's chunk refs, named by the
 * SHA-256 of their encoded bytes and stored under `chunkListKey(hash)`, put-if-absent.
 *
 * Rules:
 * - A list ends after a chunk whose ID satisfies a content rule (or at `maxRefs`), never at a
 *   fixed count, so an edit in a huge file re-cuts only the lists near it; the other lists keep
 *   their hash and are not stored again.
 * - Readers verify a list's bytes against its hash before decoding it.
 *
 * Layout (integers big-endian):
 *   u32 magic 'SCL1', u32 chunk count, u32 pack count
 *   pack IDs, 16 bytes each, in order of first use
 *   per chunk: 32-byte chunk ID, u32 pack number, u32 offset, u32 length   (44 bytes)
 */
import { createHash } from 'node:crypto';
import { CorruptDataError, InvalidArgumentError } from '../errors.ts';
import { type ObjectHash, type PackId, parseChunkId, parseObjectHash, parsePackId } from '../ids.ts';
import type { ChunkRef } from './types.ts';

export interface ChunkListParams {
  /** No list but a file's last holds fewer refs. */
  readonly minRefs: number;
  /** Past `minRefs`, a list ends after a chunk whose ID's first 32 bits are a multiple of this. */
  readonly avgRefs: number;
  readonly maxRefs: number;
}

/**
 * About 20,000 refs per list (~900 KB, ~740 MB of file at the default ~37 KB mean chunk): a
 * 500 GB file's entry names ~700 lists, fewer refs than the largest inline entry holds, and a
 * ranged read fetches at most one list of under 3 MB before its first byte.
 */
export const DEFAULT_CHUNK_LISTS: ChunkListParams = Object.freeze({
  minRefs: 4096,
  avgRefs: 16384,
  maxRefs: 65536,
});

export function parseChunkListParams(params: ChunkListParams): ChunkListParams {
  const { minRefs, avgRefs, maxRefs } = params;
  if (![minRefs, avgRefs, maxRefs].every((n) => Number.isSafeInteger(n) && n >= 1)) {
    throw new InvalidArgumentError(
      `invalid chunk list sizes ${minRefs}/${avgRefs}/${maxRefs}: give whole numbers of refs ≥ 1`,
    );
  }
  if (!(minRefs <= maxRefs) || avgRefs > 2 ** 32) {
    throw new InvalidArgumentError(
      `invalid chunk list sizes ${minRefs}/${avgRefs}/${maxRefs}: need minRefs ≤ maxRefs and avgRefs ≤ 2^32`,
    );
  }
  return Object.freeze({ minRefs, avgRefs, maxRefs });
}

/** Whether a list holding `count` refs, the last being `lastRef`, ends here. */
export function listEndsAfter(params: ChunkListParams, count: number, lastRef: ChunkRef): boolean {
  if (count >= params.maxRefs) return true;
  if (count < params.minRefs) return false;
  return Number.parseInt(lastRef.id.slice(0, 8), 16) % params.avgRefs === 0;
}

const MAGIC = 0x53434c31;
const HEADER_BYTES = 12;
const PACK_ID_BYTES = 16;
const REF_BYTES = 44;

export function encodeChunkList(refs: readonly ChunkRef[]): Uint8Array {
  const packNumbers = new Map<PackId, number>();
  for (const ref of refs) if (!packNumbers.has(ref.pack)) packNumbers.set(ref.pack, packNumbers.size);
  const bytes = Buffer.alloc(HEADER_BYTES + packNumbers.size * PACK_ID_BYTES + refs.length * REF_BYTES);
  bytes.writeUInt32BE(MAGIC, 0);
  bytes.writeUInt32BE(refs.length, 4);
  bytes.writeUInt32BE(packNumbers.size, 8);
  let at = HEADER_BYTES;
  for (const pack of packNumbers.keys()) {
    bytes.write(pack, at, 'hex');
    at += PACK_ID_BYTES;
  }
  for (const ref of refs) {
    bytes.write(ref.id, at, 'hex');
    bytes.writeUInt32BE(packNumbers.get(ref.pack)!, at + 32);
    bytes.writeUInt32BE(ref.offset, at + 36);
    bytes.writeUInt32BE(ref.length, at + 40);
    at += REF_BYTES;
  }
  return bytes;
}

/** SHA-256 of a list's encoded bytes: its name. */
export function chunkListHash(bytes: Uint8Array): ObjectHash {
  return parseObjectHash(createHash('sha256').update(bytes).digest('hex'));
}

/**
 * The refs of a list read back from storage. Throws CorruptDataError, naming the list, when the
 * bytes do not match `hash` or do not decode.
 */
export function decodeChunkList(hash: ObjectHash, bytes: Uint8Array): ChunkRef[] {
  if (chunkListHash(bytes) !== hash) {
    throw new CorruptDataError(`chunk list ${hash} does not match its hash: the stored list is corrupt`);
  }
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const malformed = (reason: string) =>
    new CorruptDataError(`chunk list ${hash} matches its hash but is malformed (${reason})`);
  if (view.length < HEADER_BYTES || view.readUInt32BE(0) !== MAGIC) throw malformed('bad header');
  const count = view.readUInt32BE(4);
  const packCount = view.readUInt32BE(8);
  const refsStart = HEADER_BYTES + packCount * PACK_ID_BYTES;
  if (view.length !== refsStart + count * REF_BYTES) throw malformed('wrong length');
  const packs: PackId[] = [];
  for (let at = HEADER_BYTES; at < refsStart; at += PACK_ID_BYTES) {
    packs.push(parsePackId(view.toString('hex', at, at + PACK_ID_BYTES)));
  }
  const refs: ChunkRef[] = new Array(count);
  for (let i = 0, at = refsStart; i < count; i++, at += REF_BYTES) {
    const pack = packs[view.readUInt32BE(at + 32)];
    if (pack === undefined) throw malformed(`ref ${i} names pack number ${view.readUInt32BE(at + 32)}`);
    refs[i] = {
      id: parseChunkId(view.toString('hex', at, at + 32)),
      pack,
      offset: view.readUInt32BE(at + 36),
      length: view.readUInt32BE(at + 40),
    };
  }
  return refs;
}
