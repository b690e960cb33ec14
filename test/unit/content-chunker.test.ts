import { createCipheriv, createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  Chunker,
  type ChunkingParams,
  DEFAULT_CHUNKING,
  parseChunkingParams,
} from '../../versioning/content/chunker.ts';
import { boundaryMask, GEAR } from '../../versioning/content/gear.ts';
import { InvalidArgumentError } from '../../versioning/errors.ts';

/** Deterministic pseudo-random bytes: an AES-CTR keystream under a key made from `seed`. */
function randomStream(seed: string, length: number): Uint8Array {
  const key = createHash('sha256').update(seed).digest().subarray(0, 16);
  return createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(length));
}

/** Chunk lengths from feeding `data` in pieces of the given sizes (cycled). */
function chunkLengths(data: Uint8Array, params: ChunkingParams, pieceSizes: readonly number[]): number[] {
  const chunker = new Chunker(params);
  const lengths: number[] = [];
  let at = 0;
  for (let i = 0; at < data.length; i++) {
    const size = pieceSizes[i % pieceSizes.length]!;
    for (const chunk of chunker.push(data.subarray(at, at + size))) lengths.push(chunk.length);
    at += size;
  }
  const last = chunker.finish();
  if (last !== undefined) lengths.push(last.length);
  return lengths;
}

/** The FastCDC rule written plainly, one byte per step, over the whole input at once. */
function referenceLengths(data: Uint8Array, params: ChunkingParams): number[] {
  const bits = Math.log2(params.avgSize);
  const strict = boundaryMask(bits + 2);
  const loose = boundaryMask(bits - 2);
  const lengths: number[] = [];
  for (let start = 0; start < data.length; ) {
    const limit = Math.min(data.length - start, params.maxSize);
    let length = limit;
    let hash = 0;
    for (let i = params.minSize; i < limit; i++) {
      hash = ((hash << 1) + GEAR[data[start + i]!]!) | 0;
      if ((hash & (i < params.avgSize ? strict : loose)) === 0) {
        length = i + 1;
        break;
      }
    }
    lengths.push(length);
    start += length;
  }
  return lengths;
}

/** Chunk lengths of `randomStream('golden', 8 MiB)` under DEFAULT_CHUNKING, fixed forever. */
const GOLDEN_DEFAULT = {
  count: 237,
  first: [34212, 48062, 34286, 42011],
  digest: '46302d65567aabf646391b11a62688546669344f53df17a5104f165def9794ba',
};

const small: ChunkingParams = { minSize: 256, avgSize: 1024, maxSize: 4096 };

describe('gear table', () => {
  it('is the fixed table every stored chunk ID depends on', () => {
    const hex = Array.from(GEAR, (value) => (value >>> 0).toString(16).padStart(8, '0')).join('');
    const digest = createHash('sha256').update(hex).digest('hex');
    // Changing the table re-cuts every file: if this fails, the change is the bug.
    expect(digest).toBe('569a64544256935883f49d12ee34462287b9156c8c53a38a5c17545c6ed18690');
  });
});

describe('Chunker', () => {
  it('cuts where the plain one-byte FastCDC rule cuts', () => {
    const data = randomStream('reference', 2 * 1024 * 1024);
    expect(chunkLengths(data, small, [data.length])).toEqual(referenceLengths(data, small));
  });

  it('cuts the same chunks however the input is split', () => {
    const data = randomStream('splits', 1024 * 1024);
    const whole = chunkLengths(data, small, [data.length]);
    for (const pieces of [[1], [7, 3000, 1], [4096], [4095, 4097], [65536, 13]]) {
      expect(chunkLengths(data, small, pieces)).toEqual(whole);
    }
  });

  it('keeps every chunk but the last within min and max', () => {
    const data = randomStream('bounds', 4 * 1024 * 1024);
    const lengths = chunkLengths(data, small, [10_000]);
    expect(lengths.reduce((a, b) => a + b, 0)).toBe(data.length);
    for (const length of lengths.slice(0, -1)) {
      expect(length).toBeGreaterThan(small.minSize);
      expect(length).toBeLessThanOrEqual(small.maxSize);
    }
  });

  it('cuts low-entropy input at max size', () => {
    const lengths = chunkLengths(new Uint8Array(20_000), small, [3000]);
    expect(lengths).toEqual([4096, 4096, 4096, 4096, 3616]);
  });

  it('averages near the normal size on random input', () => {
    const data = randomStream('average', 8 * 1024 * 1024);
    const lengths = chunkLengths(data, small, [1 << 20]);
    const mean = data.length / lengths.length;
    expect(mean).toBeGreaterThan(small.avgSize);
    expect(mean).toBeLessThan(small.avgSize * 1.6);
  });

  it('changes only the chunks near an insert', () => {
    const data = randomStream('insert', 1024 * 1024);
    const edited = Buffer.concat([
      data.subarray(0, 5000),
      Buffer.from('inserted bytes'),
      data.subarray(5000),
    ]);
    const before = chunkIds(data);
    const after = chunkIds(edited);
    const shared = after.filter((id) => before.includes(id)).length;
    expect(after.length - shared).toBeLessThanOrEqual(3);
    expect(before.slice(-100)).toEqual(after.slice(-100));
  });

  it('gives an empty stream no chunks', () => {
    expect(chunkLengths(new Uint8Array(0), small, [1])).toEqual([]);
    expect(new Chunker(small).finish()).toBeUndefined();
  });

  it('pins the default boundaries of a fixed stream', () => {
    const data = randomStream('golden', 8 * 1024 * 1024);
    const lengths = chunkLengths(data, DEFAULT_CHUNKING, [1 << 20]);
    const digest = createHash('sha256').update(lengths.join(',')).digest('hex');
    // Changing DEFAULT_CHUNKING or the chunker re-cuts every file: if this fails, that is the bug.
    expect({ count: lengths.length, first: lengths.slice(0, 4), digest }).toEqual(GOLDEN_DEFAULT);
  });

  function chunkIds(data: Uint8Array): string[] {
    const chunker = new Chunker(small);
    const ids = [...chunker.push(data)].map((chunk) => createHash('sha256').update(chunk).digest('hex'));
    const last = chunker.finish();
    if (last !== undefined) ids.push(createHash('sha256').update(last).digest('hex'));
    return ids;
  }
});

describe('parseChunkingParams', () => {
  it.each([
    [{ minSize: 16, avgSize: 1024, maxSize: 4096 }, /minSize 16/],
    [{ minSize: 256, avgSize: 1000, maxSize: 4096 }, /avgSize 1000: use a power of two/],
    [{ minSize: 2048, avgSize: 1024, maxSize: 4096 }, /minSize < avgSize < maxSize/],
    [{ minSize: 256, avgSize: 1024, maxSize: 64 * 1024 * 1024 }, /maxSize 67108864/],
    [{ minSize: 256.5, avgSize: 1024, maxSize: 4096 }, /minSize 256.5/],
  ])('rejects %j, naming the field', (params, message) => {
    expect(() => parseChunkingParams(params)).toThrow(InvalidArgumentError);
    expect(() => parseChunkingParams(params)).toThrow(message);
  });

  it('returns a frozen copy of valid parameters', () => {
    const parsed = parseChunkingParams(small);
    expect(parsed).toEqual(small);
    expect(Object.isFrozen(parsed)).toBe(true);
    expect(Object.isFrozen(DEFAULT_CHUNKING)).toBe(true);
  });
});
