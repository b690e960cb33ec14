import { createCipheriv, createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MemoryKvStore, MemoryObjectStore } from '../../adapters/memory/index.ts';
import { ContentReader, ContentWriter } from '../../versioning/content/index.ts';

const MiB = 1024 * 1024;
const TOTAL = 512 * MiB;
const BLOCK = 16 * MiB;
/** Generous for batches, two packs, read-ahead and garbage not yet collected; far below TOTAL. */
const ALLOWED_GROWTH = 200 * MiB;

/**
 * 512 MiB made of one 16 MiB random block repeated: chunking resynchronises after each repeat,
 * so the stores hold ~16 MiB while the writer and reader still process every byte.
 */
function* stream(block: Buffer): Generator<Uint8Array> {
  for (let at = 0; at < TOTAL; at += MiB) yield block.subarray(at % BLOCK, (at % BLOCK) + MiB);
}

describe('content layer memory', () => {
  it('streams 512 MiB through write and read with bounded RSS', async () => {
    const key = createHash('sha256').update('memory').digest().subarray(0, 16);
    const block = createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(BLOCK));
    const expected = createHash('sha256');
    for (const piece of stream(block)) expected.update(piece);
    const objects = new MemoryObjectStore();
    const writer = new ContentWriter({ objects, kv: new MemoryKvStore() });
    const before = process.memoryUsage().rss;
    let peak = before;
    const sample = () => {
      peak = Math.max(peak, process.memoryUsage().rss);
    };

    const content = await writer.write(stream(block), { onProgress: sample });
    await writer.flush();
    const actual = createHash('sha256');
    let pieces = 0;
    for await (const piece of new ContentReader({ objects }).read(content)) {
      actual.update(piece);
      if (++pieces % 64 === 0) sample();
    }

    expect(content.size).toBe(TOTAL);
    expect(actual.digest('hex')).toBe(expected.digest('hex'));
    expect(objects.stats.bytesWritten).toBeLessThan(2 * BLOCK);
    expect(peak - before).toBeLessThan(ALLOWED_GROWTH);
  });
});
