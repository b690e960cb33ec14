/**
 * How file bytes are stored. A file is cut into content-defined chunks; each chunk is named by
 * the SHA-256 of its bytes and stored once, inside a pack object with other chunks. A file's
 * entry points straight at its chunks' places (pack, offset, length), so a read needs no index
 * lookup; a read always re-hashes each chunk and refuses bytes that do not match their name.
 */
import type { ChunkId, FileHash, ObjectHash, PackId } from '../ids.ts';

/** One chunk of a file, and where its bytes are stored. */
export interface ChunkRef {
  readonly id: ChunkId;
  readonly pack: PackId;
  readonly offset: number;
  readonly length: number;
}

/**
 * A file with few chunks lists them inline. A large file (hundreds of GB is millions of chunks)
 * lists them in immutable chunk-list objects, named by their hash, and the entry lists those.
 */
export type FileContent =
  | { readonly kind: 'chunks'; readonly chunks: readonly ChunkRef[] }
  | { readonly kind: 'lists'; readonly lists: readonly ChunkListRef[] };

export interface ChunkListRef {
  readonly hash: ObjectHash;
  /** Bytes of file content the list covers. */
  readonly size: number;
  readonly chunkCount: number;
}

/** What storing a file's bytes yields: everything a file index entry needs besides its path. */
export interface StoredContent {
  readonly size: number;
  /** SHA-256 over the file's chunk IDs in order: equal bytes, equal hash. */
  readonly hash: FileHash;
  readonly content: FileContent;
}
