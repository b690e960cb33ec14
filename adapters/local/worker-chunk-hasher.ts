/**
 * A ChunkHasher that runs SHA-256 on a worker thread, so that the chunker's gear loop on the main
 * thread and the hashing run on two cores at once. Each call copies the bytes into a transferable
 * buffer (the port forbids taking the caller's), sends it over, and gets the buffer back with the
 * digests; buffers are pooled, so steady-state ingest allocates nothing per batch.
 *
 * Memory: at most `POOLED_BUFFERS` idle buffers plus one per call in flight; the writer keeps
 * two batches in flight per write.
 */
import { Worker } from 'node:worker_threads';
import type { ChunkHasher } from '../../versioning/content/index.ts';
import { UnavailableError } from '../../versioning/errors.ts';
import type { ByteRange } from '../../versioning/ports.ts';

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
parentPort.on('message', ({ id, buffer, spans }) => {
  const bytes = new Uint8Array(buffer);
  const count = spans.length / 2;
  const digests = new Uint8Array(count * 32);
  for (let i = 0; i < count; i++) {
    const start = spans[2 * i];
    const digest = createHash('sha256').update(bytes.subarray(start, start + spans[2 * i + 1])).digest();
    digests.set(digest, i * 32);
  }
  parentPort.postMessage({ id, buffer, digests }, [buffer, digests.buffer]);
});
`;

const POOLED_BUFFERS = 4;

interface Pending {
  resolve(digests: Uint8Array): void;
  reject(error: unknown): void;
}

export class WorkerChunkHasher implements ChunkHasher {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  readonly #pool: ArrayBuffer[] = [];
  #nextId = 0;
  #failure: Error | undefined;

  constructor() {
    this.#worker = new Worker(WORKER_SOURCE, { eval: true });
    this.#worker.unref();
    this.#worker.on('message', (message: { id: number; buffer: ArrayBuffer; digests: Uint8Array }) => {
      this.#keep(message.buffer);
      const pending = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      if (this.#pending.size === 0) this.#worker.unref();
      pending?.resolve(message.digests);
    });
    this.#worker.on('error', (error) => this.#fail(error));
    this.#worker.on('exit', (code) => this.#fail(new Error(`hashing worker exited with code ${code}`)));
  }

  digest(bytes: Uint8Array, spans: readonly ByteRange[]): Promise<Uint8Array> {
    if (this.#failure !== undefined) {
      return Promise.reject(new UnavailableError(`the hashing worker stopped: ${this.#failure.message}`));
    }
    const buffer = this.#takeBuffer(bytes.length);
    new Uint8Array(buffer).set(bytes);
    const packed = new Uint32Array(spans.length * 2);
    spans.forEach((span, i) => {
      packed[2 * i] = span.offset;
      packed[2 * i + 1] = span.length;
    });
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.ref();
      this.#worker.postMessage({ id, buffer, spans: packed }, [buffer, packed.buffer]);
    });
  }

  /** Stops the worker; calls after this fail. */
  async close(): Promise<void> {
    await this.#worker.terminate();
  }

  /** A pooled buffer of at least `length` bytes, or a new one. Whole buffers travel to the worker. */
  #takeBuffer(length: number): ArrayBuffer {
    const index = this.#pool.findIndex((buffer) => buffer.byteLength >= length);
    if (index >= 0) return this.#pool.splice(index, 1)[0]!;
    return new ArrayBuffer(Math.max(length, 4 * 1024 * 1024));
  }

  /** Pools a returned buffer, dropping the smallest when full, so large requests find a fit. */
  #keep(buffer: ArrayBuffer): void {
    this.#pool.push(buffer);
    if (this.#pool.length <= POOLED_BUFFERS) return;
    let smallest = 0;
    this.#pool.forEach((each, i) => {
      if (each.byteLength < this.#pool[smallest]!.byteLength) smallest = i;
    });
    this.#pool.splice(smallest, 1);
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    for (const pending of this.#pending.values()) {
      pending.reject(new UnavailableError(`the hashing worker stopped: ${error.message}`, { cause: error }));
    }
    this.#pending.clear();
  }
}
