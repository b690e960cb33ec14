import { createCipheriv, createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MemoryKvStore, MemoryObjectStore } from '../../adapters/memory/index.ts';
import { chunkIndexKey } from '../../versioning/content/chunk-index.ts';
import {
  type ChunkRef,
  ContentReader,
  ContentWriter,
  type ContentWriterProps,
  readPackManifest,
  type StoredContent,
} from '../../versioning/content/index.ts';
import { ConflictError, InvalidArgumentError, UnavailableError } from '../../versioning/errors.ts';
import { parseChunkId } from '../../versioning/ids.ts';
import { packKey } from '../../versioning/object-keys.ts';
import type { KvStore } from '../../versioning/ports.ts';

function randomStream(seed: string, length: number): Buffer {
  const key = createHash('sha256').update(seed).digest().subarray(0, 16);
  return createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(length));
}

function* pieces(data: Uint8Array, size = 1000): Generator<Uint8Array> {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size);
}

async function readBack(objects: MemoryObjectStore, content: StoredContent): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const part of new ContentReader({ objects }).read(content)) parts.push(Buffer.from(part));
  return Buffer.concat(parts);
}

function refsOf(content: StoredContent): readonly ChunkRef[] {
  if (content.content.kind !== 'chunks') throw new Error('expected inline chunks');
  return content.content.chunks;
}

/** Small sizes so that packs, lists and many chunks appear in kilobytes of data. */
const smallProps = {
  chunking: { minSize: 64, avgSize: 256, maxSize: 1024 },
  packSize: 4096,
  inlineChunkLimit: 8,
  chunkLists: { minRefs: 2, avgRefs: 4, maxRefs: 8 },
} satisfies Partial<ContentWriterProps>;

function setup(props: Partial<ContentWriterProps> = {}) {
  const objects = new MemoryObjectStore();
  const kv = new MemoryKvStore();
  const writer = new ContentWriter({ objects, kv, ...smallProps, ...props });
  return { objects, kv, writer };
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('ContentWriter', () => {
  it('stores an empty file as no chunks with the hash of nothing', async () => {
    const { objects, writer } = setup();

    const content = await writer.write([]);
    await writer.flush();

    expect(content).toEqual({
      size: 0,
      hash: sha256(new Uint8Array(0)),
      content: { kind: 'chunks', chunks: [] },
    });
    expect(objects.stats.puts).toBe(0);
    expect(await readBack(objects, content)).toEqual(Buffer.alloc(0));
  });

  it('round-trips a tiny file and a file of exactly one chunk', async () => {
    const { objects, writer } = setup();
    const tiny = Buffer.from('hello, strata');
    const oneChunk = Buffer.alloc(1024, 7);

    const tinyContent = await writer.write([tiny]);
    const oneContent = await writer.write(pieces(oneChunk, 100));
    await writer.flush();

    expect(refsOf(tinyContent)).toHaveLength(1);
    expect(refsOf(oneContent)).toHaveLength(1);
    expect(await readBack(objects, tinyContent)).toEqual(tiny);
    expect(await readBack(objects, oneContent)).toEqual(oneChunk);
  });

  it('hashes a file as SHA-256 over its raw chunk IDs', async () => {
    const { writer } = setup({ inlineChunkLimit: 1000 });
    const data = randomStream('file hash', 20_000);

    const content = await writer.write(pieces(data));

    const raw = Buffer.concat(refsOf(content).map((ref) => Buffer.from(ref.id, 'hex')));
    expect(content.hash).toBe(sha256(raw));
    let at = 0;
    for (const ref of refsOf(content)) {
      expect(ref.id).toBe(sha256(data.subarray(at, at + ref.length)));
      at += ref.length;
    }
    expect(at).toBe(data.length);
  });

  it('spreads a large file over several packs and reads it back', async () => {
    const { objects, writer } = setup({ inlineChunkLimit: 10_000 });
    const data = randomStream('multi-pack', 50_000);

    const content = await writer.write(pieces(data, 777));
    await writer.flush();

    const packs = new Set(refsOf(content).map((ref) => ref.pack));
    expect(packs.size).toBeGreaterThan(5);
    expect(writer.stats.packsWritten).toBe(packs.size);
    expect(await readBack(objects, content)).toEqual(data);
  });

  it('puts many small files into one pack', async () => {
    const { objects, writer } = setup({ packSize: 1024 * 1024 });

    const contents = [];
    for (let i = 0; i < 200; i++) contents.push(await writer.write([Buffer.from(`small file ${i}`)]));
    await writer.flush();

    expect(objects.stats.puts).toBe(1);
    expect(new Set(contents.map((content) => refsOf(content)[0]!.pack)).size).toBe(1);
    expect((await readBack(objects, contents[123]!)).toString()).toBe('small file 123');
  });

  it('lists the chunks of a file above the inline limit in chunk-list objects', async () => {
    const { objects, writer } = setup();
    const data = randomStream('lists', 40_000);

    const content = await writer.write(pieces(data));
    await writer.flush();

    if (content.content.kind !== 'lists') throw new Error('expected chunk lists');
    const lists = content.content.lists;
    expect(lists.length).toBeGreaterThan(5);
    expect(lists.reduce((sum, list) => sum + list.size, 0)).toBe(data.length);
    expect(lists.every((list) => list.chunkCount >= 1 && list.chunkCount <= 8)).toBe(true);
    expect(writer.stats.listsWritten).toBe(new Set(lists.map((list) => list.hash)).size);
    expect(await readBack(objects, content)).toEqual(data);
  });

  it('gives equal bytes the same hash inline or listed, in any pack', async () => {
    const data = randomStream('same hash', 10_000);
    const listed = await setup().writer.write(pieces(data));
    const inline = await setup({ inlineChunkLimit: 1000 }).writer.write(pieces(data, 333));

    expect(listed.content.kind).toBe('lists');
    expect(inline.content.kind).toBe('chunks');
    expect(listed.hash).toBe(inline.hash);
  });

  it('re-cuts only the chunk lists near an edit', async () => {
    const { writer } = setup({ chunkLists: { minRefs: 4, avgRefs: 8, maxRefs: 64 } });
    const data = randomStream('list edit', 200_000);
    const edited = Buffer.concat([data.subarray(0, 100_000), Buffer.from('edit'), data.subarray(100_000)]);

    const before = await writer.write(pieces(data));
    const after = await writer.write(pieces(edited));

    const hashes = (content: StoredContent) =>
      content.content.kind === 'lists' ? content.content.lists.map((list) => list.hash) : [];
    const unchanged = hashes(after).filter((hash) => hashes(before).includes(hash));
    expect(hashes(after).length - unchanged.length).toBeLessThanOrEqual(2);
  });

  it('stores repeated bytes once within a session, before and after a flush', async () => {
    const { objects, writer } = setup();
    const data = randomStream('dedup session', 30_000);

    await writer.write(pieces(data));
    const afterFirst = writer.stats;
    const second = await writer.write(pieces(data, 4096));
    await writer.flush();
    const third = await writer.write(pieces(data, 10));
    await writer.flush();

    expect(writer.stats.newBytes).toBe(afterFirst.newBytes);
    expect(writer.stats.reusedChunks).toBe(2 * afterFirst.newChunks + afterFirst.reusedChunks * 3);
    expect(await readBack(objects, second)).toEqual(data);
    expect(await readBack(objects, third)).toEqual(data);
  });

  it('stores no new pack bytes when a later session writes the same bytes', async () => {
    const objects = new MemoryObjectStore();
    const kv = new MemoryKvStore();
    const data = randomStream('dedup sessions', 30_000);
    // The file's short last chunk is indexed too, so nothing at all is stored again.
    const first = new ContentWriter({ objects, kv, ...smallProps });
    const original = await first.write(pieces(data));
    await first.flush();
    const bytesBefore = objects.stats.bytesWritten;

    const second = new ContentWriter({ objects, kv, ...smallProps });
    const again = await second.write(pieces(data, 999));
    await second.flush();

    expect(second.stats.newBytes).toBe(0);
    expect(second.stats.packsWritten).toBe(0);
    expect(second.stats.listsWritten).toBe(0);
    expect(objects.stats.bytesWritten).toBe(bytesBefore);
    expect(again.hash).toBe(original.hash);
    expect(await readBack(objects, again)).toEqual(data);
  });

  it('stores packs only at flush or when full, and writes index entries after their pack', async () => {
    const { objects, kv, writer } = setup({ indexMinBytes: 0 });

    const content = await writer.write([Buffer.from('not yet stored')]);
    const ref = refsOf(content)[0]!;
    expect(await objects.head(packKey(ref.pack))).toBeUndefined();
    expect(await kv.get(chunkIndexKey(ref.id))).toBeUndefined();

    await writer.flush();

    expect(await objects.head(packKey(ref.pack))).toBeDefined();
    expect(JSON.parse((await kv.get(chunkIndexKey(ref.id)))!.value)).toEqual({
      pack: ref.pack,
      offset: ref.offset,
      length: ref.length,
    });
  });

  it('ends each pack with a manifest of the chunks it holds', async () => {
    const { objects, writer } = setup({ inlineChunkLimit: 1000 });
    const content = await writer.write(pieces(randomStream('manifest', 3000)));
    await writer.flush();

    const pack = refsOf(content)[0]!.pack;
    const manifest = readPackManifest(pack, await objects.get(packKey(pack)));

    expect(manifest).toEqual(refsOf(content).filter((ref) => ref.pack === pack));
  });

  it('stores a chunk again when its index entry is unusable, and repairs the entry', async () => {
    const { kv, writer } = setup({ indexMinBytes: 0 });
    const id = parseChunkId(sha256(Buffer.from('indexed badly')));
    await kv.putMany([{ key: chunkIndexKey(id), value: '{"pack":"nope"}' }]);

    const content = await writer.write([Buffer.from('indexed badly')]);
    await writer.flush();

    expect(writer.stats.indexEntriesUnusable).toBe(1);
    expect(writer.stats.newChunks).toBe(1);
    expect(JSON.parse((await kv.get(chunkIndexKey(id)))!.value).pack).toBe(refsOf(content)[0]!.pack);
  });

  it('asks the index about each distinct chunk once per batch', async () => {
    const kv = new MemoryKvStore();
    const asked: string[][] = [];
    const spy: KvStore = Object.assign(Object.create(kv) as KvStore, {
      getMany: (keys: readonly string[]) => {
        asked.push([...keys]);
        return kv.getMany(keys);
      },
    });
    const writer = new ContentWriter({ objects: new MemoryObjectStore(), kv: spy, ...smallProps });

    await writer.write([Buffer.alloc(20 * 1024)]);

    expect(asked.flat()).toHaveLength(1);
  });

  it('reports progress as bytes consumed', async () => {
    const { writer } = setup();
    const seen: number[] = [];

    await writer.write(pieces(Buffer.alloc(2500), 1000), { onProgress: (bytes) => seen.push(bytes) });

    expect(seen).toEqual([1000, 2000, 2500]);
    expect(writer.stats.bytesIn).toBe(2500);
  });

  it('keeps concurrent writes apart', async () => {
    const { objects, writer } = setup({ concurrentWrites: 3 });
    const files = Array.from({ length: 8 }, (_, i) => randomStream(`concurrent ${i}`, 5000 + i * 1000));

    const contents = await Promise.all(files.map((data) => writer.write(pieces(data, 500))));
    await writer.flush();

    for (const [i, content] of contents.entries()) expect(await readBack(objects, content)).toEqual(files[i]);
    expect(writer.stats.files).toBe(8);
  });

  it('fails flush and every later call when a pack cannot be stored', async () => {
    const objects = new MemoryObjectStore();
    objects.putIfAbsent = async () => {
      throw new UnavailableError('bucket unreachable');
    };
    const writer = new ContentWriter({ objects, kv: new MemoryKvStore(), ...smallProps });
    await writer.write([Buffer.from('lost')]);

    await expect(writer.flush()).rejects.toThrow('bucket unreachable');
    await expect(writer.write([Buffer.from('more')])).rejects.toThrow('bucket unreachable');
  });

  it('accepts a pack that an adapter retry already stored, but not a foreign object under its key', async () => {
    const objects = new MemoryObjectStore();
    const put = objects.putIfAbsent.bind(objects);
    objects.putIfAbsent = async (key, bytes) => {
      await put(key, bytes);
      return false;
    };
    const retried = new ContentWriter({ objects, kv: new MemoryKvStore(), ...smallProps });
    const content = await retried.write([Buffer.from('stored by the first attempt')]);
    await retried.flush();
    expect((await readBack(objects, content)).toString()).toBe('stored by the first attempt');

    objects.putIfAbsent = async (key) => {
      await put(key, Buffer.from('someone else'));
      return false;
    };
    const clashing = new ContentWriter({ objects, kv: new MemoryKvStore(), ...smallProps });
    await clashing.write([Buffer.from('a different pack')]);
    await expect(clashing.flush()).rejects.toThrow(ConflictError);
  });

  it('gives chunks shorter than indexMinBytes no index entry, never looks them up, and stores repeats in a session once', async () => {
    const objects = new MemoryObjectStore();
    const kv = new MemoryKvStore();
    const tiny = Buffer.from('a small file, shorter than the minimum chunk');
    const first = new ContentWriter({ objects, kv, ...smallProps });
    const original = await first.write([tiny]);
    const repeat = await first.write([tiny]);
    await first.flush();

    const second = new ContentWriter({ objects, kv, ...smallProps });
    const later = await second.write([tiny]);
    await second.flush();

    expect(tiny.length).toBeLessThan(smallProps.chunking.minSize);
    expect(first.stats).toMatchObject({ newChunks: 1, reusedChunks: 1 });
    expect(refsOf(repeat)).toEqual(refsOf(original));
    expect(second.stats.newChunks).toBe(1);
    expect(kv.stats).toMatchObject({ getManys: 0, putManys: 0 });
    expect((await kv.scan('chunk/')).items).toEqual([]);
    expect(await readBack(objects, later)).toEqual(tiny);
  });

  it('indexes the short last chunk of a file of several chunks, so writing the file again stores nothing', async () => {
    // Arrange: among fixed seeds, a file whose last chunk is shorter than the minimum.
    const props = { ...smallProps, inlineChunkLimit: 1000 };
    let data: Uint8Array = Buffer.alloc(0);
    for (let seed = 0; ; seed++) {
      data = randomStream(`short tail ${seed}`, 3000);
      const probe = new ContentWriter({
        objects: new MemoryObjectStore(),
        kv: new MemoryKvStore(),
        ...props,
      });
      const refs = refsOf(await probe.write(pieces(data)));
      if (refs.length > 1 && refs.at(-1)!.length < smallProps.chunking.minSize) break;
    }
    const objects = new MemoryObjectStore();
    const kv = new MemoryKvStore();
    const first = new ContentWriter({ objects, kv, ...props });
    const stored = await first.write(pieces(data));
    await first.flush();

    // Act
    const second = new ContentWriter({ objects, kv, ...props });
    await second.write(pieces(data, 100));
    await second.flush();

    // Assert
    expect(await kv.get(chunkIndexKey(refsOf(stored).at(-1)!.id))).toBeDefined();
    expect(second.stats).toMatchObject({ newChunks: 0, newBytes: 0, packsWritten: 0 });
  });

  it('indexes a chunk of exactly the minimum chunk size by default, and not one byte less', async () => {
    const { kv, writer } = setup();
    const atMinimum = await writer.write([randomStream('at minimum', smallProps.chunking.minSize)]);
    const belowMinimum = await writer.write([randomStream('below minimum', smallProps.chunking.minSize - 1)]);
    await writer.flush();

    expect(await kv.get(chunkIndexKey(refsOf(atMinimum)[0]!.id))).toBeDefined();
    expect(await kv.get(chunkIndexKey(refsOf(belowMinimum)[0]!.id))).toBeUndefined();
  });

  it('leaves a pack without index entries, never the reverse, when the index write fails', async () => {
    const objects = new MemoryObjectStore();
    const kv = new MemoryKvStore();
    kv.putMany = async () => {
      throw new UnavailableError('table unreachable');
    };
    const writer = new ContentWriter({ objects, kv, ...smallProps, indexMinBytes: 0 });
    const content = await writer.write([Buffer.from('orphan')]);

    await expect(writer.flush()).rejects.toThrow('table unreachable');
    expect(await objects.head(packKey(refsOf(content)[0]!.pack))).toBeDefined();
    expect(await kv.get(chunkIndexKey(refsOf(content)[0]!.id))).toBeUndefined();
  });

  it.each([
    [{ packSize: 10 }, /packSize 10/],
    [{ inlineChunkLimit: -1 }, /inlineChunkLimit -1/],
    [{ concurrentWrites: 0 }, /concurrentWrites 0/],
    [{ chunking: { minSize: 64, avgSize: 100, maxSize: 1024 } }, /avgSize 100/],
  ])('rejects bad props %j, naming them', (props, message) => {
    expect(() => setup(props)).toThrow(InvalidArgumentError);
    expect(() => setup(props)).toThrow(message);
  });
});
