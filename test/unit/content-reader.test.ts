import { createCipheriv, createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MemoryKvStore, MemoryObjectStore } from '../../adapters/memory/index.ts';
import {
  type ChunkRef,
  ContentReader,
  ContentWriter,
  type ContentWriterProps,
  type StoredContent,
} from '../../versioning/content/index.ts';
import { CorruptDataError, InvalidArgumentError } from '../../versioning/errors.ts';
import { parseFileHash } from '../../versioning/ids.ts';
import { chunkListKey, packKey } from '../../versioning/object-keys.ts';
import type { ByteRange, ObjectStore } from '../../versioning/ports.ts';

function randomStream(seed: string, length: number): Buffer {
  const key = createHash('sha256').update(seed).digest().subarray(0, 16);
  return createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(length));
}

function* pieces(data: Uint8Array, size = 1000): Generator<Uint8Array> {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size);
}

const smallProps = {
  chunking: { minSize: 64, avgSize: 256, maxSize: 1024 },
  packSize: 4096,
  inlineChunkLimit: 8,
  chunkLists: { minRefs: 2, avgRefs: 4, maxRefs: 8 },
} satisfies Partial<ContentWriterProps>;

async function stored(data: Uint8Array, props: Partial<ContentWriterProps> = {}) {
  const objects = new MemoryObjectStore();
  const writer = new ContentWriter({ objects, kv: new MemoryKvStore(), ...smallProps, ...props });
  const content = await writer.write(pieces(data));
  await writer.flush();
  return { objects, content };
}

/** Everything the read yields before it ends or throws, and what it threw. */
async function drain(
  objects: ObjectStore,
  content: StoredContent,
  range?: ByteRange,
): Promise<{ bytes: Buffer; error: unknown }> {
  const parts: Uint8Array[] = [];
  try {
    for await (const part of new ContentReader({ objects }).read(content, range, {
      path: '/data/file.bin',
    })) {
      parts.push(Buffer.from(part));
    }
    return { bytes: Buffer.concat(parts), error: undefined };
  } catch (error) {
    return { bytes: Buffer.concat(parts), error };
  }
}

function refsOf(content: StoredContent): readonly ChunkRef[] {
  if (content.content.kind !== 'chunks') throw new Error('expected inline chunks');
  return content.content.chunks;
}

/** Replaces a stored object, as a bit flip on disk or a bad copy would. */
async function replaceObject(objects: MemoryObjectStore, key: string, change: (bytes: Buffer) => Uint8Array) {
  const bytes = Buffer.from(await objects.get(key));
  await objects.delete(key);
  await objects.putIfAbsent(key, change(bytes));
}

describe('ContentReader ranges', () => {
  it('reads any range of inline and listed files, at and around chunk boundaries', async () => {
    const data = randomStream('ranges', 30_000);
    for (const props of [{ inlineChunkLimit: 1000 }, {}]) {
      const { objects, content } = await stored(data, props);
      // Chunk boundaries of an inline file, chunk-list boundaries of a listed one.
      const sizes =
        content.content.kind === 'chunks'
          ? content.content.chunks.map((ref) => ref.length)
          : content.content.lists.map((list) => list.size);
      const boundaries = [0];
      for (const size of sizes) boundaries.push(boundaries.at(-1)! + size);
      const ranges: ByteRange[] = [
        { offset: 0, length: 0 },
        { offset: 0, length: 1 },
        { offset: data.length - 1, length: 1 },
        { offset: data.length, length: 0 },
        { offset: 0, length: data.length },
        { offset: 12_345, length: 7_777 },
      ];
      for (const at of boundaries.slice(1, 6)) {
        ranges.push(
          { offset: at, length: 300 },
          { offset: at - 1, length: 2 },
          { offset: at - 10, length: 10 },
        );
      }
      for (const range of ranges) {
        const { bytes, error } = await drain(objects, content, range);
        expect(error).toBeUndefined();
        expect(bytes).toEqual(data.subarray(range.offset, range.offset + range.length));
      }
    }
  });

  it('fetches adjacent chunks of a pack with one ranged get', async () => {
    const { objects, content } = await stored(randomStream('coalesce', 20_000), {
      inlineChunkLimit: 1000,
      packSize: 1024 * 1024,
    });
    objects.resetStats();

    await drain(objects, content);

    expect(refsOf(content).length).toBeGreaterThan(20);
    expect(objects.stats.gets).toBe(1);
  });

  it.each([
    [{ offset: 10, length: 100_000 }, /beyond the end of file \/data\/file.bin \(30000 bytes\)/],
    [{ offset: -1, length: 5 }, /offset and length are whole numbers/],
    [{ offset: 1.5, length: 5 }, /offset and length are whole numbers/],
  ])('rejects range %j', async (range, message) => {
    const { objects, content } = await stored(randomStream('bad ranges', 30_000));
    const reader = new ContentReader({ objects });
    expect(() => reader.read(content, range, { path: '/data/file.bin' })).toThrow(InvalidArgumentError);
    expect(() => reader.read(content, range, { path: '/data/file.bin' })).toThrow(message);
  });
});

describe('ContentReader verification', () => {
  it('throws CorruptDataError at a flipped byte and yields nothing of that chunk', async () => {
    const data = randomStream('flip', 30_000);
    const { objects, content } = await stored(data, { inlineChunkLimit: 1000 });
    const refs = refsOf(content);
    const victim = refs[Math.floor(refs.length / 2)]!;
    const victimStart = refs.slice(0, refs.indexOf(victim)).reduce((sum, ref) => sum + ref.length, 0);
    await replaceObject(objects, packKey(victim.pack), (bytes) => {
      bytes[victim.offset + 17]! ^= 0x01;
      return bytes;
    });

    const { bytes, error } = await drain(objects, content);

    expect(error).toBeInstanceOf(CorruptDataError);
    expect(String(error)).toContain(victim.id);
    expect(String(error)).toContain(victim.pack);
    expect(String(error)).toContain('/data/file.bin');
    expect(bytes.length).toBeLessThanOrEqual(victimStart);
    expect(bytes).toEqual(data.subarray(0, bytes.length));
  });

  it('throws CorruptDataError, not short data, for a truncated pack', async () => {
    const { objects, content } = await stored(randomStream('truncate', 3000), { inlineChunkLimit: 1000 });
    const last = refsOf(content).at(-1)!;
    await replaceObject(objects, packKey(last.pack), (bytes) => bytes.subarray(0, last.offset + 10));

    const { error } = await drain(objects, content);

    expect(error).toBeInstanceOf(CorruptDataError);
    expect(String(error)).toContain(last.pack);
  });

  it('throws CorruptDataError when a store returns fewer bytes than asked', async () => {
    const { objects, content } = await stored(randomStream('short', 3000), { inlineChunkLimit: 1000 });
    const short: ObjectStore = Object.assign(Object.create(objects) as ObjectStore, {
      get: async (key: string, range?: ByteRange) => (await objects.get(key, range)).subarray(1),
    });

    const { bytes, error } = await drain(short, content);

    expect(error).toBeInstanceOf(CorruptDataError);
    expect(String(error)).toMatch(/truncated/);
    expect(bytes.length).toBe(0);
  });

  it('throws CorruptDataError naming the pack when a pack is missing', async () => {
    const { objects, content } = await stored(randomStream('missing', 3000), { inlineChunkLimit: 1000 });
    const pack = refsOf(content)[0]!.pack;
    await objects.delete(packKey(pack));

    const { error } = await drain(objects, content);

    expect(error).toBeInstanceOf(CorruptDataError);
    expect(String(error)).toContain(pack);
  });

  it('verifies chunk lists against their hash', async () => {
    const { objects, content } = await stored(randomStream('list flip', 30_000));
    if (content.content.kind !== 'lists') throw new Error('expected chunk lists');
    const first = content.content.lists[0]!;
    await replaceObject(objects, chunkListKey(first.hash), (bytes) => {
      bytes[bytes.length - 1]! ^= 0x80;
      return bytes;
    });

    const { bytes, error } = await drain(objects, content);

    expect(error).toBeInstanceOf(CorruptDataError);
    expect(String(error)).toContain(first.hash);
    expect(bytes.length).toBe(0);
  });

  it('rejects an entry whose chunks disagree with its size or hash', async () => {
    const { objects, content } = await stored(randomStream('entry', 3000));
    const wrongSize = { ...content, size: content.size + 1 };
    const wrongHash = { ...content, hash: parseFileHash('0'.repeat(64)) };

    for (const entry of [wrongSize, wrongHash]) {
      const { bytes, error } = await drain(objects, entry);
      expect(error).toBeInstanceOf(CorruptDataError);
      if (entry.content.kind === 'chunks') expect(bytes.length).toBe(0);
    }
  });
});
