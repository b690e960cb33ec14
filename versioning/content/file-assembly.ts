/**
 * Collects one file's chunk refs, in order, into what its entry stores: the refs themselves for a
 * file of at most `inlineChunkLimit` chunks, else chunk-list objects (./chunk-list.ts), which it
 * stores as they fill. Also computes the file hash: SHA-256 over the raw chunk IDs in order, so
 * equal bytes give equal hashes whichever packs hold them, and an empty file hashes nothing.
 */
import { createHash, type Hash } from 'node:crypto';
import { parseFileHash } from '../ids.ts';
import { chunkListKey } from '../object-keys.ts';
import type { ObjectStore } from '../ports.ts';
import { type ChunkListParams, chunkListHash, encodeChunkList, listEndsAfter } from './chunk-list.ts';
import { type Settled, settle } from './settle.ts';
import type { ChunkListRef, ChunkRef, StoredContent } from './types.ts';

export interface ListStored {
  readonly bytes: number;
  /** False when an identical list was already stored. */
  readonly isNew: boolean;
}

export class FileAssembly {
  readonly #objects: ObjectStore;
  readonly #inlineChunkLimit: number;
  readonly #listParams: ChunkListParams;
  readonly #onListStored: (stored: ListStored) => void;
  readonly #fileHash: Hash = createHash('sha256');
  #size = 0;
  /** The refs while the file is small enough to list them inline; undefined once it is not. */
  #inline: ChunkRef[] | undefined = [];
  /** The refs of the list being filled. */
  #listRefs: ChunkRef[] = [];
  readonly #lists: ChunkListRef[] = [];
  readonly #listPuts: Promise<Settled<void>>[] = [];

  constructor(
    objects: ObjectStore,
    inlineChunkLimit: number,
    listParams: ChunkListParams,
    onListStored: (stored: ListStored) => void,
  ) {
    this.#objects = objects;
    this.#inlineChunkLimit = inlineChunkLimit;
    this.#listParams = listParams;
    this.#onListStored = onListStored;
  }

  /** Appends the file's next chunk; `digest` is its raw 32-byte ID. */
  add(ref: ChunkRef, digest: Uint8Array): void {
    this.#fileHash.update(digest);
    this.#size += ref.length;
    if (this.#inline !== undefined) {
      this.#inline.push(ref);
      if (this.#inline.length <= this.#inlineChunkLimit) return;
      const refs = this.#inline;
      this.#inline = undefined;
      for (const each of refs) this.#addToList(each);
      return;
    }
    this.#addToList(ref);
  }

  /** What the file's entry stores, once every list of it is stored. */
  async finish(): Promise<StoredContent> {
    const hash = parseFileHash(this.#fileHash.digest('hex'));
    if (this.#inline !== undefined) {
      return { size: this.#size, hash, content: { kind: 'chunks', chunks: this.#inline } };
    }
    if (this.#listRefs.length > 0) this.#closeList();
    for (const put of await Promise.all(this.#listPuts)) {
      if (!put.ok) throw put.error;
    }
    return { size: this.#size, hash, content: { kind: 'lists', lists: this.#lists } };
  }

  #addToList(ref: ChunkRef): void {
    this.#listRefs.push(ref);
    if (listEndsAfter(this.#listParams, this.#listRefs.length, ref)) this.#closeList();
  }

  /** Names the list and starts storing it; `finish` waits for every store. */
  #closeList(): void {
    const refs = this.#listRefs;
    this.#listRefs = [];
    const bytes = encodeChunkList(refs);
    const hash = chunkListHash(bytes);
    const size = refs.reduce((sum, ref) => sum + ref.length, 0);
    this.#lists.push({ hash, size, chunkCount: refs.length });
    const put = this.#objects.putIfAbsent(chunkListKey(hash), bytes).then((isNew) => {
      this.#onListStored({ bytes: bytes.length, isNew });
    });
    this.#listPuts.push(settle(put));
  }
}
