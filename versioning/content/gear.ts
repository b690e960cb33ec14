/**
 * The gear table and boundary masks of the content-defined chunker.
 *
 * The gear hash rolls one byte at a time: `h = (h << 1) + GEAR[byte]` in 32-bit arithmetic, so
 * bit k of `h` depends on the last k + 1 bytes and the whole hash on the last 32. A chunk ends
 * where the masked bits of `h` are all zero.
 *
 * STABILITY RULE: the table below is part of the storage format. Chunk boundaries depend on it,
 * so every chunk ID, every file hash and all de-duplication against data already stored depend
 * on it. Changing the seed, the derivation or the masks re-cuts every file: nothing written
 * before would de-duplicate against anything written after. test/unit/content-chunker.test.ts
 * pins a digest of the table and golden boundaries; if they fail, the change is the bug.
 *
 * Why 32 bits and not 64: JavaScript has fast 32-bit integer arithmetic and no fast 64-bit one.
 * Measured by `node bench/content-params.ts --only gear` (2-core AMD EPYC, Node 22, 256 MiB
 * random, 8K/32K/256K): the shipped loop (32-bit, two bytes per step) ~1,070 MB/s; the same rule
 * one byte per step ~740 MB/s; a 64-bit gear hash carried in two 32-bit halves 120–215 MB/s
 * (its carry test leaves small-integer arithmetic). A four-bytes-per-step loop measured no faster
 * than two. A 32-byte window is ample for placing boundaries (restic's Rabin window is 64 bytes),
 * and on random data every variant cut chunks of the same size distribution.
 */
import { createHash } from 'node:crypto';

/** The seed of the gear table. Part of the storage format: never change it. */
const GEAR_SEED = 'strata/gear-table/v1';

/**
 * 256 pseudo-random 32-bit values: SHA-256 in counter mode over the seed, eight values per digest,
 * read big-endian. Held as Int32 so the hot loop stays in small-integer arithmetic.
 */
export const GEAR: Int32Array = makeGearTable();

/**
 * `GEAR[b] << 1`: lets the chunker roll two bytes per step, since
 * `(((h << 1) + G[a]) << 1) + G[b] === (h << 2) + (G[a] << 1) + G[b]` in 32-bit arithmetic.
 */
export const GEAR_SHIFTED: Int32Array = GEAR.map((value) => value << 1);

function makeGearTable(): Int32Array {
  const table = new Int32Array(256);
  for (let block = 0; block < 32; block++) {
    const digest = createHash('sha256').update(`${GEAR_SEED}/${block}`).digest();
    for (let i = 0; i < 8; i++) table[block * 8 + i] = digest.readInt32BE(i * 4);
  }
  return table;
}

/**
 * A mask of `bits` one-bits ending at bit 30. The high bits depend on the most bytes, so they
 * make the best boundary test; bit 31 stays clear so the two-bytes-per-step loop, which tests
 * the intermediate hash shifted left by one, loses no masked bit and cuts exactly where the
 * one-byte loop would.
 */
export function boundaryMask(bits: number): number {
  if (!Number.isInteger(bits) || bits < 1 || bits > 31) {
    throw new RangeError(`boundary mask width ${bits} must be a whole number from 1 to 31`);
  }
  return ((0x7fffffff >>> (31 - bits)) << (31 - bits)) | 0;
}

/**
 * Normalized chunking (FastCDC's level 2): before the average size a boundary needs two more
 * zero bits than log2(avg), after it two fewer, which pulls chunk sizes towards the average.
 */
export const NORMALIZATION_LEVEL = 2;
