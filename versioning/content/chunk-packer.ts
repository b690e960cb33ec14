/**
 * Places new chunks into packs and stores each full pack, then its chunk index entries (pack
 * first, index second). Remembers every chunk it placed until the index knows it, so a chunk
 * placed twice in one session is stored once even before its pack is stored. Chunks placed with
 * `indexed: false` (small files: see ContentWriterProps.indexMinBytes) get no index entry.
 *
 * Memory: the pack being filled plus `concurrentStores` packs being stored (briefly one more,
 * until the writer that sealed it reaches `waitForRoom`).
 */
import { ConflictError } from '../errors.ts';
import type { ChunkId } from '../ids.ts';
import { packKey } from '../object-keys.ts';
import type { KvStore, ObjectStore } from '../ports.ts';
import { chunkIndexKey, encodeChunkLocation } from './chunk-index.ts';
import { PackBuilder, packSizeFor } from './pack.ts';
import type { ChunkRef } from './types.ts';

/** Counters a packer adds to; the writer shares its own. */
export interface PackCounters {
  packsWritten: number;
  packBytesWritten: number;
}

/** Indexed chunks this session met, kept to spare index lookups; ~200 B each. */
const RECENT_CHUNKS = 16_384;

export class ChunkPacker {
  readonly #objects: ObjectStore;
  readonly #kv: KvStore;
  readonly #packSize: number;
  readonly #concurrentStores: number;
  readonly #counters: PackCounters;
  /** Chunks placed in this session that get no index entry. */
  readonly #sessionOnly = new Set<ChunkId>();
  #pack: PackBuilder | undefined;
  /** Stores under way; each removes itself when done and never rejects. */
  readonly #storing = new Set<Promise<void>>();
  /** The first store failure: every later call throws it. */
  #failure: { error: unknown } | undefined;
  /** Chunks placed in this session whose index entries are not written yet. */
  readonly #unindexed = new Map<ChunkId, ChunkRef>();
  /** Recently indexed chunks, oldest first (a Map keeps insertion order). */
  readonly #recent = new Map<ChunkId, ChunkRef>();

  constructor(
    objects: ObjectStore,
    kv: KvStore,
    options: { packSize: number; concurrentStores: number; counters: PackCounters },
  ) {
    this.#objects = objects;
    this.#kv = kv;
    this.#packSize = options.packSize;
    this.#concurrentStores = options.concurrentStores;
    this.#counters = options.counters;
  }

  /** Where the chunk is, if this session placed it or met it in the index (and still remembers). */
  locate(id: ChunkId): ChunkRef | undefined {
    const unindexed = this.#unindexed.get(id);
    if (unindexed !== undefined) return unindexed;
    const recent = this.#recent.get(id);
    if (recent !== undefined) {
      this.#recent.delete(id);
      this.#recent.set(id, recent);
    }
    return recent;
  }

  /** Copies a new chunk into the current pack, starting to store the pack first if it is full. */
  place(id: ChunkId, chunk: Uint8Array, indexed: boolean): ChunkRef {
    this.throwIfFailed();
    if (this.#pack !== undefined && !this.#pack.fits(chunk.length)) this.#seal();
    this.#pack ??= new PackBuilder(Math.max(this.#packSize, packSizeFor(chunk.length)));
    const ref = this.#pack.append(id, chunk);
    this.#unindexed.set(id, ref);
    if (!indexed) this.#sessionOnly.add(id);
    return ref;
  }

  /** Waits while more packs are being stored than allowed, so that memory stays bounded. */
  async waitForRoom(): Promise<void> {
    while (this.#storing.size > this.#concurrentStores) {
      await Promise.race(this.#storing);
    }
    this.throwIfFailed();
  }

  /** Stores the current pack, however full, and waits for every store and index write. */
  async flush(): Promise<void> {
    this.#seal();
    await Promise.all(this.#storing);
    this.throwIfFailed();
  }

  throwIfFailed(): void {
    if (this.#failure !== undefined) throw this.#failure.error;
  }

  #seal(): void {
    const pack = this.#pack;
    this.#pack = undefined;
    if (pack === undefined || pack.chunkCount === 0) return;
    const bytes = pack.seal();
    const storing: Promise<void> = this.#store(pack, bytes).then(
      () => {
        this.#storing.delete(storing);
      },
      (error: unknown) => {
        this.#failure ??= { error };
        this.#storing.delete(storing);
      },
    );
    this.#storing.add(storing);
  }

  async #store(pack: PackBuilder, bytes: Uint8Array): Promise<void> {
    if (this.#failure !== undefined) return;
    const key = packKey(pack.id);
    // Pack IDs are random, so "already there" means an adapter's retry of this very put landed
    // twice; anything of another size is someone else's object and must not be pointed at.
    if (!(await this.#objects.putIfAbsent(key, bytes))) {
      const existing = await this.#objects.head(key);
      if (existing?.size !== bytes.length) {
        throw new ConflictError(
          `pack ${key} already exists with ${existing?.size} bytes, not this pack's ${bytes.length}: retry the write`,
        );
      }
    }
    this.#counters.packsWritten++;
    this.#counters.packBytesWritten += bytes.length;
    const refs = pack.refs;
    const indexed = refs.filter((ref) => !this.#sessionOnly.has(ref.id));
    if (indexed.length > 0) {
      await this.#kv.putMany(
        indexed.map((ref) => ({ key: chunkIndexKey(ref.id), value: encodeChunkLocation(ref) })),
      );
    }
    for (const ref of refs) {
      this.#sessionOnly.delete(ref.id);
      if (this.#unindexed.get(ref.id) === ref) this.#unindexed.delete(ref.id);
      this.remember(ref);
    }
  }

  /** Keeps an indexed chunk's place at hand, so repeats of it in this session skip the index. */
  remember(ref: ChunkRef): void {
    this.#recent.delete(ref.id);
    this.#recent.set(ref.id, ref);
    if (this.#recent.size > RECENT_CHUNKS) {
      const oldest = this.#recent.keys().next();
      if (!oldest.done) this.#recent.delete(oldest.value);
    }
  }
}
