/**
 * The ChunkHasher port: SHA-256 of many chunks at once. Writing and reading hash every byte, so
 * this is, with the chunker's gear loop, where ingest spends its CPU. The default hashes on the
 * calling thread; adapters/local offers one that hashes on a worker thread, so that on a machine
 * with a spare core the gear loop and SHA-256 run side by side. The domain stays free of threads
 * and picks whichever it is given.
 */
import { createHash } from 'node:crypto';
import type { ByteRange } from '../ports.ts';

export const DIGEST_BYTES = 32;

export interface ChunkHasher {
  /**
   * The SHA-256 of each span of `bytes`, 32 bytes per span in the order given. The caller keeps
   * `bytes` unchanged until the promise settles; the hasher never changes or detaches it.
   */
  digest(bytes: Uint8Array, spans: readonly ByteRange[]): Promise<Uint8Array>;
}

/** Hashes on the calling thread with node:crypto (SHA-NI where the CPU has it). */
export const inlineChunkHasher: ChunkHasher = {
  async digest(bytes, spans) {
    return digestSpans(bytes, spans);
  },
};

/** The SHA-256 of each span of `bytes`, concatenated. */
export function digestSpans(bytes: Uint8Array, spans: readonly ByteRange[]): Uint8Array {
  const digests = new Uint8Array(spans.length * DIGEST_BYTES);
  spans.forEach((span, i) => {
    const digest = createHash('sha256')
      .update(bytes.subarray(span.offset, span.offset + span.length))
      .digest();
    digests.set(digest, i * DIGEST_BYTES);
  });
  return digests;
}
