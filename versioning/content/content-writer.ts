/**
 * ContentWriter: a session that stores many files' bytes, de-duplicated against everything ever
 * stored (files smaller than `indexMinBytes`: against this session only), and packed so that many
 * small files share one object.
 *
 * For each file: the chunker cuts the stream; chunks are copied into batches of up to 100; each
 * batch is hashed (ChunkHasher) and its indexable chunks are looked up in the chunk index with
 * one `getMany` while the next batch is being cut; then, in file order, each chunk is either
 * found (this session placed it, or the index knows it) or placed into the current pack. Full
 * packs are stored while the next fills (ChunkPacker).
 *
 * DURABILITY RULE: a StoredContent returned by `write` may point into a pack that is not stored
 * yet. Call `flush()` and let it resolve before persisting any entry that holds it; a StoredContent
 * is durable once a `flush()` that started after its `write` resolved has resolved. If a pack store
 * fails, that flush and every later call throw, and no StoredContent of the session may be kept.
 */
import { type ChunkId, parseChunkId } from '../ids.ts';
import type { KvStore, ObjectStore } from '../ports.ts';
import { BATCH_BYTES, ChunkBatch } from './chunk-batch.ts';
import { type ChunkHasher, DIGEST_BYTES, inlineChunkHasher } from './chunk-hasher.ts';
import { lookupChunks } from './chunk-index.ts';
import { type ChunkListParams, DEFAULT_CHUNK_LISTS, parseChunkListParams } from './chunk-list.ts';
import { ChunkPacker } from './chunk-packer.ts';
import { Chunker, type ChunkingParams, DEFAULT_CHUNKING, parseChunkingParams } from './chunker.ts';
import { FileAssembly } from './file-assembly.ts';
import { wholeNumberProp } from './props.ts';
import { type Settled, settle, unwrap } from './settle.ts';
import type { ChunkRef, StoredContent } from './types.ts';

export interface ContentWriterProps {
  readonly objects: ObjectStore;
  readonly kv: KvStore;
  /** @default DEFAULT_CHUNKING */
  readonly chunking?: ChunkingParams;
  /** @default inlineChunkHasher - SHA-256 on the calling thread */
  readonly hasher?: ChunkHasher;
  /** Size of a pack object, manifest included; a pack is stored when the next chunk won't fit. @default 8 MiB */
  readonly packSize?: number;
  /** Packs stored at once while the next fills; each costs `packSize` of memory. @default 1 */
  readonly concurrentPackStores?: number;
  /** Files of more chunks than this list them in chunk-list objects. @default 1000 */
  readonly inlineChunkLimit?: number;
  /** @default DEFAULT_CHUNK_LISTS */
  readonly chunkLists?: ChunkListParams;
  /**
   * A file of one chunk shorter than this — a small file — is de-duplicated within the session
   * only: its chunk gets no entry in the global chunk index and is not looked up in it, as the
   * entry would cost more than storing the bytes again: one KV write when stored and one read
   * whenever it is written again (on DynamoDB, 1,000 small files would cost 1,000 write units and
   * 1,000 reads instead of a handful of batched requests). Pachyderm likewise de-duplicates
   * chunks, not small files. The short last chunk of a larger file is indexed: one entry per
   * file, and a file stored again then stores nothing. @default - the chunker's minimum chunk size
   */
  readonly indexMinBytes?: number;
  /**
   * `write` calls that run at once (more wait their turn); each holds about 2 × 4 MiB of batches.
   * Concurrent writes overlap one file's index lookups with another's chunking. @default 4
   */
  readonly concurrentWrites?: number;
}

export interface WriteOptions {
  /** Called after each input buffer with the bytes of this file consumed so far. */
  readonly onProgress?: (bytesConsumed: number) => void;
}

/** What a session did, for progress output and de-duplication figures. */
export interface ContentWriterStats {
  readonly files: number;
  /** File bytes written, before de-duplication. */
  readonly bytesIn: number;
  readonly newChunks: number;
  readonly reusedChunks: number;
  /** Bytes of the new chunks: what de-duplication did not save. */
  readonly newBytes: number;
  readonly packsWritten: number;
  /** Pack object bytes stored, manifests included. */
  readonly packBytesWritten: number;
  readonly listsWritten: number;
  readonly listBytesWritten: number;
  /** Index entries found but unusable (unparsable or wrong length); their chunks were stored again. */
  readonly indexEntriesUnusable: number;
}

/**
 * 8 MiB: ~130 PUTs per GiB stored (on S3 about $0.0007 per GiB), one single-part PUT each, and
 * a whole pack is one ranged GET when a large file is read back. With one pack storing while
 * the next fills, a writer holds ~16 MiB of packs. Larger packs save requests but cost memory,
 * and make a future garbage collector rewrite more live bytes to reclaim a partly dead pack.
 */
export const DEFAULT_PACK_SIZE = 8 * 1024 * 1024;
/** Inline up to ~37 MB at the default chunking; larger files list their refs in chunk lists. */
export const DEFAULT_INLINE_CHUNK_LIMIT = 1000;

/** A hashed and looked-up batch: each chunk's ID and where the index says it is, if anywhere. */
interface ResolvedBatch {
  readonly batch: ChunkBatch;
  readonly ids: readonly ChunkId[];
  readonly digests: Uint8Array;
  readonly indexed: ReadonlyMap<ChunkId, ChunkRef>;
}

export class ContentWriter {
  readonly #kv: KvStore;
  readonly #objects: ObjectStore;
  readonly #chunking: ChunkingParams;
  readonly #hasher: ChunkHasher;
  readonly #inlineChunkLimit: number;
  readonly #indexMinBytes: number;
  readonly #chunkLists: ChunkListParams;
  readonly #packer: ChunkPacker;
  readonly #writeSlots: Slots;
  readonly #batchCapacity: number;
  readonly #spareBatches: ChunkBatch[] = [];
  readonly #stats = {
    files: 0,
    bytesIn: 0,
    newChunks: 0,
    reusedChunks: 0,
    newBytes: 0,
    packsWritten: 0,
    packBytesWritten: 0,
    listsWritten: 0,
    listBytesWritten: 0,
    indexEntriesUnusable: 0,
  };

  constructor(props: ContentWriterProps) {
    this.#objects = props.objects;
    this.#kv = props.kv;
    this.#chunking = parseChunkingParams(props.chunking ?? DEFAULT_CHUNKING);
    this.#hasher = props.hasher ?? inlineChunkHasher;
    const prop = (name: string, value: number | undefined, fallback: number, least: number) =>
      wholeNumberProp('ContentWriter', name, value, fallback, least);
    this.#inlineChunkLimit = prop('inlineChunkLimit', props.inlineChunkLimit, DEFAULT_INLINE_CHUNK_LIMIT, 0);
    this.#chunkLists = parseChunkListParams(props.chunkLists ?? DEFAULT_CHUNK_LISTS);
    this.#indexMinBytes = prop('indexMinBytes', props.indexMinBytes, this.#chunking.minSize, 0);
    this.#writeSlots = new Slots(prop('concurrentWrites', props.concurrentWrites, 4, 1));
    this.#batchCapacity = Math.max(BATCH_BYTES, this.#chunking.maxSize);
    this.#packer = new ChunkPacker(props.objects, props.kv, {
      packSize: prop('packSize', props.packSize, DEFAULT_PACK_SIZE, 1024),
      concurrentStores: prop('concurrentPackStores', props.concurrentPackStores, 1, 1),
      counters: this.#stats,
    });
  }

  get stats(): ContentWriterStats {
    return { ...this.#stats };
  }

  /** Stores one file's bytes; see the durability rule above before persisting the result. */
  async write(
    source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    options: WriteOptions = {},
  ): Promise<StoredContent> {
    this.#packer.throwIfFailed();
    await this.#writeSlots.acquire();
    try {
      const content = await this.#writeFile(source, options);
      this.#stats.files++;
      return content;
    } finally {
      this.#writeSlots.release();
    }
  }

  /** Stores the partly filled pack and every pending pack and index entry, and waits for them. */
  async flush(): Promise<void> {
    await this.#packer.flush();
  }

  async #writeFile(
    source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    options: WriteOptions,
  ): Promise<StoredContent> {
    const chunker = new Chunker(this.#chunking);
    const file = new FileAssembly(this.#objects, this.#inlineChunkLimit, this.#chunkLists, (list) => {
      if (!list.isNew) return;
      this.#stats.listsWritten++;
      this.#stats.listBytesWritten += list.bytes;
    });
    let batch = this.#takeBatch();
    /** The batch being hashed and looked up while the next one fills. */
    let previous: Promise<Settled<ResolvedBatch>> | undefined;
    const dispatch = async (): Promise<void> => {
      const resolving = settle(this.#resolve(batch));
      batch = this.#takeBatch();
      if (previous !== undefined) await this.#apply(unwrap(await previous), file);
      previous = resolving;
    };
    let chunks = 0;
    const add = async (chunk: Uint8Array): Promise<void> => {
      if (!batch.fits(chunk.length)) await dispatch();
      // Only a file's last chunk can be short: the first one too means a small file.
      batch.add(chunk, chunk.length >= this.#indexMinBytes || chunks > 0);
      chunks++;
    };

    let consumed = 0;
    for await (const input of source) {
      for (const chunk of chunker.push(input)) await add(chunk);
      consumed += input.length;
      this.#stats.bytesIn += input.length;
      options.onProgress?.(consumed);
    }
    const last = chunker.finish();
    if (last !== undefined) await add(last);
    if (batch.count > 0) await dispatch();
    if (previous !== undefined) await this.#apply(unwrap(await previous), file);
    this.#releaseBatch(batch);
    return file.finish();
  }

  /** Hashes a batch and asks the index about the indexable chunks this session has not placed. */
  async #resolve(batch: ChunkBatch): Promise<ResolvedBatch> {
    const digests = await this.#hasher.digest(batch.filled, batch.spans);
    if (digests.length !== batch.count * DIGEST_BYTES) {
      throw new RangeError(`hasher returned ${digests.length} bytes for ${batch.count} chunks`);
    }
    const hex = Buffer.from(digests.buffer, digests.byteOffset, digests.byteLength).toString('hex');
    const ids = batch.spans.map((_, i) => parseChunkId(hex.slice(i * 64, i * 64 + 64)));
    const unknown = new Map<ChunkId, number>();
    ids.forEach((id, i) => {
      if (batch.indexed[i] && this.#packer.locate(id) === undefined) unknown.set(id, batch.spans[i]!.length);
    });
    const lookup = await lookupChunks(this.#kv, [...unknown.keys()], [...unknown.values()]);
    this.#stats.indexEntriesUnusable += lookup.unusable;
    const indexed = new Map<ChunkId, ChunkRef>();
    for (const ref of lookup.found) if (ref !== undefined) indexed.set(ref.id, ref);
    return { batch, ids, digests, indexed };
  }

  /** Adds a resolved batch's chunks to the file in order, placing the new ones into packs. */
  async #apply(resolved: ResolvedBatch, file: FileAssembly): Promise<void> {
    const { batch, ids, digests, indexed } = resolved;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      let ref = this.#packer.locate(id);
      if (ref === undefined) {
        ref = indexed.get(id);
        if (ref !== undefined) this.#packer.remember(ref);
      }
      if (ref === undefined) {
        const chunk = batch.chunk(i);
        ref = this.#packer.place(id, chunk, batch.indexed[i] ?? true);
        this.#stats.newChunks++;
        this.#stats.newBytes += chunk.length;
      } else {
        this.#stats.reusedChunks++;
      }
      file.add(ref, digests.subarray(i * DIGEST_BYTES, (i + 1) * DIGEST_BYTES));
    }
    this.#releaseBatch(batch);
    await this.#packer.waitForRoom();
  }

  #takeBatch(): ChunkBatch {
    return this.#spareBatches.pop() ?? new ChunkBatch(this.#batchCapacity);
  }

  #releaseBatch(batch: ChunkBatch): void {
    batch.clear();
    this.#spareBatches.push(batch);
  }
}

/** A counting semaphore: at most `size` holders at once, the rest wait in arrival order. */
class Slots {
  #free: number;
  readonly #waiting: (() => void)[] = [];

  constructor(size: number) {
    this.#free = size;
  }

  async acquire(): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return;
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  release(): void {
    const next = this.#waiting.shift();
    if (next !== undefined) next();
    else this.#free++;
  }
}
