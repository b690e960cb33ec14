import { createCipheriv, createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { WorkerChunkHasher } from '../../adapters/local/worker-chunk-hasher.ts';
import { MemoryKvStore, MemoryObjectStore } from '../../adapters/memory/index.ts';
import {
  ContentReader,
  ContentWriter,
  digestSpans,
  inlineChunkHasher,
} from '../../versioning/content/index.ts';

function randomStream(seed: string, length: number): Buffer {
  const key = createHash('sha256').update(seed).digest().subarray(0, 16);
  return createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(length));
}

describe('ChunkHasher', () => {
  const worker = new WorkerChunkHasher();
  afterAll(() => worker.close());

  it('gives the SHA-256 of each span, inline and on a worker thread', async () => {
    const bytes = randomStream('spans', 10_000);
    const spans = [
      { offset: 0, length: 100 },
      { offset: 100, length: 0 },
      { offset: 5000, length: 5000 },
    ];
    const expected = Buffer.concat(
      spans.map(({ offset, length }) =>
        createHash('sha256')
          .update(bytes.subarray(offset, offset + length))
          .digest(),
      ),
    );

    expect(Buffer.from(digestSpans(bytes, spans))).toEqual(expected);
    expect(Buffer.from(await inlineChunkHasher.digest(bytes, spans))).toEqual(expected);
    expect(Buffer.from(await worker.digest(bytes.subarray(0), spans))).toEqual(expected);
  });

  it('leaves the caller’s bytes in place while the worker hashes', async () => {
    const bytes = randomStream('ownership', 1000);
    const pending = worker.digest(bytes, [{ offset: 0, length: 1000 }]);

    expect(bytes.length).toBe(1000);
    expect(Buffer.from(await pending)).toEqual(createHash('sha256').update(bytes).digest());
  });

  it('stores and reads the same content with the worker hasher as inline', async () => {
    const data = randomStream('worker round trip', 3 * 1024 * 1024);
    const objects = new MemoryObjectStore();
    const viaWorker = new ContentWriter({ objects, kv: new MemoryKvStore(), hasher: worker });
    const inline = new ContentWriter({ objects: new MemoryObjectStore(), kv: new MemoryKvStore() });

    const content = await viaWorker.write([data]);
    await viaWorker.flush();
    const reference = await inline.write([data]);
    const parts: Uint8Array[] = [];
    for await (const part of new ContentReader({ objects, hasher: worker }).read(content)) parts.push(part);

    expect(content.hash).toBe(reference.hash);
    expect(Buffer.concat(parts).equals(data)).toBe(true);
  });
});
