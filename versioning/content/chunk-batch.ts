/**
 * Chunks gathered for one index lookup: copies of their bytes, back to back, in a buffer the
 * writer reuses. (Not a SharedArrayBuffer: V8 copies out of one at a third of the speed, and
 * every new chunk is copied out again into its pack.)
 */
import type { ByteRange } from '../ports.ts';

/** One index lookup per batch: DynamoDB's BatchGetItem takes up to 100 keys. */
export const BATCH_CHUNKS = 100;
/** Bytes per batch, so that batches in flight stay small whatever the chunk size. */
export const BATCH_BYTES = 4 * 1024 * 1024;

export class ChunkBatch {
  readonly bytes: Uint8Array;
  readonly spans: ByteRange[] = [];
  /** Per chunk: whether it goes in the global chunk index (ContentWriterProps.indexMinBytes). */
  readonly indexed: boolean[] = [];
  #used = 0;

  /** `capacity` must hold the largest chunk. */
  constructor(capacity: number) {
    this.bytes = new Uint8Array(capacity);
  }

  get count(): number {
    return this.spans.length;
  }

  /** The bytes in use. */
  get filled(): Uint8Array {
    return this.bytes.subarray(0, this.#used);
  }

  fits(length: number): boolean {
    return this.spans.length < BATCH_CHUNKS && this.#used + length <= this.bytes.length;
  }

  add(chunk: Uint8Array, indexed: boolean): void {
    this.bytes.set(chunk, this.#used);
    this.spans.push({ offset: this.#used, length: chunk.length });
    this.indexed.push(indexed);
    this.#used += chunk.length;
  }

  chunk(index: number): Uint8Array {
    const span = this.spans[index]!;
    return this.bytes.subarray(span.offset, span.offset + span.length);
  }

  clear(): void {
    this.spans.length = 0;
    this.indexed.length = 0;
    this.#used = 0;
  }
}
