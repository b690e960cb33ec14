/**
 * Planning a read: which chunks overlap the wanted range, and which ranged gets fetch them.
 * Consecutive chunks of one pack are joined into one get when the bytes between them are few,
 * because a request costs far more than a few hundred KiB of transfer.
 */
import { createHash } from 'node:crypto';
import { CorruptDataError } from '../errors.ts';
import type { PackId } from '../ids.ts';
import type { ChunkRef, StoredContent } from './types.ts';

/** A chunk and the file offset of its first byte. */
export interface PlacedChunk {
  readonly ref: ChunkRef;
  readonly at: number;
}

/** One ranged get of a pack and the chunks it serves, in file order. */
export interface PackRequest {
  readonly pack: PackId;
  readonly offset: number;
  readonly length: number;
  readonly chunks: readonly PlacedChunk[];
}

/** The chunks among `refs` (the first starting at file offset `base`) that overlap [start, end). */
export function* placedChunks(
  refs: readonly ChunkRef[],
  base: number,
  start: number,
  end: number,
): Generator<PlacedChunk> {
  let at = base;
  for (const ref of refs) {
    if (at >= end) return;
    if (at + ref.length > start) yield { ref, at };
    at += ref.length;
  }
}

/** An inline entry's refs, once their sizes and IDs are shown to agree with its size and hash. */
export function checkInlineChunks(content: StoredContent, file: string): readonly ChunkRef[] {
  if (content.content.kind !== 'chunks') throw new TypeError('checkInlineChunks takes an inline entry');
  const refs = content.content.chunks;
  const size = refs.reduce((sum, ref) => sum + ref.length, 0);
  if (size !== content.size) {
    throw new CorruptDataError(`${file} lists ${size} bytes of chunks but has size ${content.size}`);
  }
  const check = new FileHashCheck();
  check.add(refs);
  check.verify(content, file);
  return refs;
}

/** Recomputes a file hash (SHA-256 over the raw chunk IDs in order) to compare with an entry's. */
export class FileHashCheck {
  readonly #hash = createHash('sha256');

  add(refs: readonly ChunkRef[]): void {
    for (const ref of refs) this.#hash.update(Buffer.from(ref.id, 'hex'));
  }

  verify(content: StoredContent, file: string): void {
    const actual = this.#hash.digest('hex');
    if (actual !== content.hash) {
      throw new CorruptDataError(
        `${file} has hash ${content.hash} but its chunks hash to ${actual}: the entry is corrupt`,
      );
    }
  }
}

/** Joins chunks, fed in file order, into ranged gets. */
export class RequestPlanner {
  readonly #maxRequestBytes: number;
  readonly #maxGapBytes: number;
  #pack: PackId | undefined;
  #offset = 0;
  #end = 0;
  #chunks: PlacedChunk[] = [];

  constructor(maxRequestBytes: number, maxGapBytes: number) {
    this.#maxRequestBytes = maxRequestBytes;
    this.#maxGapBytes = maxGapBytes;
  }

  /** Takes the next chunk; returns the previous request when this chunk cannot join it. */
  add(chunk: PlacedChunk): PackRequest | undefined {
    const { pack, offset, length } = chunk.ref;
    const end = offset + length;
    const joins =
      this.#pack === pack &&
      offset >= this.#offset &&
      offset <= this.#end + this.#maxGapBytes &&
      Math.max(end, this.#end) - this.#offset <= this.#maxRequestBytes;
    if (joins) {
      this.#chunks.push(chunk);
      this.#end = Math.max(end, this.#end);
      return undefined;
    }
    const done = this.finish();
    this.#pack = pack;
    this.#offset = offset;
    this.#end = end;
    this.#chunks = [chunk];
    return done;
  }

  /** The request being built, if any. */
  finish(): PackRequest | undefined {
    if (this.#pack === undefined) return undefined;
    const request = {
      pack: this.#pack,
      offset: this.#offset,
      length: this.#end - this.#offset,
      chunks: this.#chunks,
    };
    this.#pack = undefined;
    this.#chunks = [];
    return request;
  }
}
