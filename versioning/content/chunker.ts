/**
 * Content-defined chunking, FastCDC-style: a gear hash (./gear.ts) rolls over each chunk from
 * its `minSize`-th byte on, and the chunk ends after the first byte where the hash's masked bits
 * are zero — with a stricter mask before `avgSize` and a looser one after it (normalized
 * chunking) — or at `maxSize`. Boundaries depend only on the bytes, so an insert or delete moves
 * the boundaries near it and the cutting falls back in step after it: every other chunk keeps
 * its ID and is stored once.
 *
 * The chunker streams: it takes input buffers of any size and split, and holds at most one
 * `maxSize` chunk of carried-over bytes besides the caller's current buffer. Any split of the
 * same bytes gives the same chunks.
 *
 * DEFAULT_CHUNKING (8 KiB / 32 KiB / 256 KiB) was chosen with `node bench/content-params.ts`:
 * 256 MiB of pseudo-random bytes ingested, then again with ten 1 MiB regions rewritten, by a
 * second session into the same stores (2-core AMD EPYC, Node 22, memory stores). Throughput is
 * MB per CPU-second, since the machine was shared and wall times wandered (two runs agreed
 * within ~15%); the stored ratios are exact:
 *
 *   min/avg/max    mean KiB  gear+SHA MB/s  ingest MB/s  new/changed  with index  chunks/GiB
 *   4K/16K/64K           18            625          313        1.043       1.119      57,356
 *   8K/32K/256K          37            652          373        1.073       1.110      28,580
 *   16K/64K/512K         74            643          379        1.160       1.179      14,220
 *   32K/128K/1M         146            654          424        1.383       1.393       7,176
 *   256K/1M/8M        1,186            634          446        3.964       3.964         884
 *
 * ("with index" adds pack manifests and ~250 B per new chunk-index item.) The target is new
 * bytes ≤ 1.1 × the bytes changed, plus index. 32 KiB is the largest average that meets it
 * (64 KiB stores 16% extra; 1 MiB, restic's size, 4×); 16 KiB stores 3% fewer chunk bytes but
 * more in all once its doubled index is counted, and does more per-chunk work. The maximum
 * (8 × avg; 4 × measured the same) moves nothing on random data; it bounds chunks of
 * low-entropy runs such as zeros.
 * On the same file, ingest ran at 2.3–2.5× the CPU throughput of `restic backup` (0.14, which
 * also encrypts) and stored 11.0 MiB after the rewrite where restic stored 32–35 MiB.
 *
 * Changing DEFAULT_CHUNKING (or the gear table) changes every chunk ID written from then on.
 */
import { InvalidArgumentError } from '../errors.ts';
import { boundaryMask, GEAR, GEAR_SHIFTED, NORMALIZATION_LEVEL } from './gear.ts';

export interface ChunkingParams {
  /** No chunk but a file's last is shorter than this; the first `minSize` bytes are not hashed. */
  readonly minSize: number;
  /** Where the strict mask gives way to the loose one; a power of two. */
  readonly avgSize: number;
  /** A chunk ends here if no boundary came first. */
  readonly maxSize: number;
}

export const DEFAULT_CHUNKING: ChunkingParams = Object.freeze({
  minSize: 8 * 1024,
  avgSize: 32 * 1024,
  maxSize: 256 * 1024,
});

/** The largest `maxSize` accepted: a chunk must fit in a pack and in one read comfortably. */
export const MAX_CHUNK_SIZE_LIMIT = 16 * 1024 * 1024;
/** The gear hash spans 32 bytes; a shorter minimum would cut on a partial window. */
const MIN_CHUNK_SIZE_LIMIT = 64;

/** Checks chunking parameters, naming the offending field. */
export function parseChunkingParams(params: ChunkingParams): ChunkingParams {
  const { minSize, avgSize, maxSize } = params;
  for (const [name, value] of Object.entries({ minSize, avgSize, maxSize })) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new InvalidArgumentError(`invalid chunking ${name} ${value}: give a whole number of bytes`);
    }
  }
  if (minSize < MIN_CHUNK_SIZE_LIMIT) {
    throw new InvalidArgumentError(
      `invalid chunking minSize ${minSize}: use at least ${MIN_CHUNK_SIZE_LIMIT}`,
    );
  }
  if ((avgSize & (avgSize - 1)) !== 0 || Math.log2(avgSize) + NORMALIZATION_LEVEL > 31) {
    throw new InvalidArgumentError(
      `invalid chunking avgSize ${avgSize}: use a power of two up to ${2 ** (31 - NORMALIZATION_LEVEL)}`,
    );
  }
  if (!(minSize < avgSize && avgSize < maxSize)) {
    throw new InvalidArgumentError(
      `invalid chunking sizes ${minSize}/${avgSize}/${maxSize}: need minSize < avgSize < maxSize`,
    );
  }
  if (maxSize > MAX_CHUNK_SIZE_LIMIT) {
    throw new InvalidArgumentError(
      `invalid chunking maxSize ${maxSize}: use at most ${MAX_CHUNK_SIZE_LIMIT} bytes`,
    );
  }
  return Object.freeze({ minSize, avgSize, maxSize });
}

/**
 * Cuts one stream into chunks. Feed it with `push` and end it with `finish`; use one Chunker per
 * file. Each chunk handed out is a view into the caller's input or into the chunker's carry
 * buffer and is valid only until the chunker is used again: copy what you keep. Iterate each
 * generator `push` returns to its end before the next call.
 */
export class Chunker {
  readonly #min: number;
  readonly #avg: number;
  readonly #max: number;
  readonly #strictMask: number;
  readonly #looseMask: number;
  /** Bytes of the current chunk that arrived in earlier inputs; grown as needed up to maxSize. */
  #carry: Uint8Array | undefined;
  #carryLength = 0;
  /** Gear hash over bytes [min, scanned) of the current chunk. */
  #hash = 0;
  /** How many bytes of the current chunk the hash has covered, never less than min. */
  #scanned: number;

  constructor(params: ChunkingParams = DEFAULT_CHUNKING) {
    const checked = parseChunkingParams(params);
    this.#min = checked.minSize;
    this.#avg = checked.avgSize;
    this.#max = checked.maxSize;
    const bits = Math.log2(checked.avgSize);
    this.#strictMask = boundaryMask(bits + NORMALIZATION_LEVEL);
    this.#looseMask = boundaryMask(bits - NORMALIZATION_LEVEL);
    this.#scanned = this.#min;
  }

  /** The chunks that end within `input`, in order. */
  *push(input: Uint8Array): Generator<Uint8Array, void, undefined> {
    let position = 0;
    if (this.#carryLength > 0) {
      const carried = this.#carryLength;
      const taken = Math.min(input.length, this.#max - carried);
      const carry = this.#carryWithRoom(carried + taken);
      carry.set(input.subarray(0, taken), carried);
      const length = this.#chunkLength(carry, 0, carried + taken);
      if (length < 0) {
        this.#carryLength = carried + taken;
        return;
      }
      this.#startChunk();
      yield carry.subarray(0, length);
      position = length - carried;
    }
    while (position < input.length) {
      const length = this.#chunkLength(input, position, input.length - position);
      if (length < 0) break;
      this.#startChunk();
      yield input.subarray(position, position + length);
      position += length;
    }
    if (position < input.length) {
      this.#carryWithRoom(input.length - position).set(input.subarray(position), 0);
      this.#carryLength = input.length - position;
    }
  }

  /** The stream's last chunk (shorter than a cut would make it), if any bytes are left. */
  finish(): Uint8Array | undefined {
    if (this.#carryLength === 0) return undefined;
    const last = this.#carry!.subarray(0, this.#carryLength);
    this.#startChunk();
    return last;
  }

  /**
   * The carry buffer, grown to hold `length` bytes and keeping what it holds. It grows by
   * doubling up to `maxSize`, so a small file costs a small buffer, not a max-size one.
   */
  #carryWithRoom(length: number): Uint8Array {
    const carry = this.#carry;
    if (carry !== undefined && carry.length >= length) return carry;
    const size = Math.min(this.#max, Math.max(length, 2 * (carry?.length ?? 0), 4096));
    const grown = new Uint8Array(size);
    if (carry !== undefined) grown.set(carry.subarray(0, this.#carryLength));
    this.#carry = grown;
    return grown;
  }

  #startChunk(): void {
    this.#carryLength = 0;
    this.#hash = 0;
    this.#scanned = this.#min;
  }

  /**
   * The length of the chunk that starts at `buffer[start]`, given the `available` bytes from
   * there on; -1 when they hold no boundary yet and fewer than `maxSize` bytes. Rolls the hash
   * on from where the previous call for the same chunk stopped, so no byte is hashed twice.
   */
  #chunkLength(buffer: Uint8Array, start: number, available: number): number {
    const limit = Math.min(available, this.#max);
    const end = start + limit;
    const from = start + this.#scanned;
    const found = findBoundary(
      buffer,
      from,
      start + Math.min(limit, this.#avg),
      end,
      this.#hash,
      this.#strictMask,
      this.#looseMask,
    );
    if (found >= 0) return found - start;
    if (limit === this.#max) return limit;
    this.#hash = hashAfterScan;
    this.#scanned = Math.max(end - start, this.#min);
    return -1;
  }
}

/** The gear hash at the end of the last `findBoundary` that found no boundary. */
let hashAfterScan = 0;

/**
 * The hot loop: rolls the gear hash over `buffer[from, end)` starting from `hash`, testing the
 * strict mask before `normalEnd` and the loose one from there on. Returns the index just past the
 * first boundary, or -1 with the final hash left in `hashAfterScan`. Rolls two bytes per step
 * (see GEAR_SHIFTED) and tests after each byte, so it cuts exactly where a one-byte loop would.
 * A plain function over locals, which V8 compiles tighter than a method.
 */
function findBoundary(
  buffer: Uint8Array,
  from: number,
  normalEnd: number,
  end: number,
  hash: number,
  strictMask: number,
  looseMask: number,
): number {
  const gear = GEAR;
  const gearShifted = GEAR_SHIFTED;
  let position = from;
  let mask = strictMask;
  let maskShifted = mask << 1;
  for (; position + 1 < normalEnd; position += 2) {
    hash = ((hash << 2) + gearShifted[buffer[position]!]!) | 0;
    if ((hash & maskShifted) === 0) return position + 1;
    hash = (hash + gear[buffer[position + 1]!]!) | 0;
    if ((hash & mask) === 0) return position + 2;
  }
  if (position < normalEnd) {
    hash = ((hash << 1) + gear[buffer[position]!]!) | 0;
    position++;
    if ((hash & mask) === 0) return position;
  }
  mask = looseMask;
  maskShifted = mask << 1;
  for (; position + 1 < end; position += 2) {
    hash = ((hash << 2) + gearShifted[buffer[position]!]!) | 0;
    if ((hash & maskShifted) === 0) return position + 1;
    hash = (hash + gear[buffer[position + 1]!]!) | 0;
    if ((hash & mask) === 0) return position + 2;
  }
  if (position < end) {
    hash = ((hash << 1) + gear[buffer[position]!]!) | 0;
    position++;
    if ((hash & mask) === 0) return position;
  }
  hashAfterScan = hash;
  return -1;
}
