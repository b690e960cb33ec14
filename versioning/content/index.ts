/**
 * The content layer: how file bytes are stored, de-duplicated and read back.
 *
 * Rules of the data model:
 * - A file is cut into content-defined chunks (FastCDC-style gear hash, ./chunker.ts). The gear
 *   table and DEFAULT_CHUNKING are part of the storage format: changing either changes every
 *   chunk ID from then on and ends de-duplication against everything stored before.
 * - A chunk is named by the SHA-256 of its bytes and stored once across all repos, inside a pack
 *   object with other chunks. The chunk index (`chunk/<id>` in the KvStore) says where.
 * - Objects are immutable and written put-if-absent: packs under a random ID, chunk lists under
 *   the SHA-256 of their bytes. A pack is stored before its index entries are written, so a
 *   crash leaves at worst an unreferenced pack.
 * - A file's hash is SHA-256 over its raw chunk IDs in order: equal bytes, equal hash, whichever
 *   packs hold them. An empty file has no chunks and hashes the empty string.
 * - A file of up to `inlineChunkLimit` chunks lists its chunk refs inline; a larger one lists
 *   chunk-list objects, cut at content-defined points so edits re-cut only nearby lists.
 * - A StoredContent returned by `ContentWriter.write` is durable only after a later `flush()`
 *   has resolved: persist no entry before that.
 * - Readers re-hash every chunk and every chunk list and never return bytes that do not match
 *   their name; they throw CorruptDataError instead.
 */
export { type ChunkHasher, DIGEST_BYTES, digestSpans, inlineChunkHasher } from './chunk-hasher.ts';
export { chunkIndexKey } from './chunk-index.ts';
export { type ChunkListParams, DEFAULT_CHUNK_LISTS } from './chunk-list.ts';
export {
  Chunker,
  type ChunkingParams,
  DEFAULT_CHUNKING,
  MAX_CHUNK_SIZE_LIMIT,
  parseChunkingParams,
} from './chunker.ts';
export { ContentReader, type ContentReaderProps, type ReadOptions } from './content-reader.ts';
export {
  ContentWriter,
  type ContentWriterProps,
  type ContentWriterStats,
  DEFAULT_INLINE_CHUNK_LIMIT,
  DEFAULT_PACK_SIZE,
  type WriteOptions,
} from './content-writer.ts';
export { readPackManifest } from './pack.ts';
export type { ChunkListRef, ChunkRef, FileContent, StoredContent } from './types.ts';
