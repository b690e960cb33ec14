/**
 * ContentReader: streams a file's bytes, or a byte range of them, back out of the packs.
 *
 * Rules:
 * - Every chunk is re-hashed and compared with its ID before any of its bytes are yielded; a
 *   mismatch, a missing or truncated pack, or a malformed chunk list throws CorruptDataError
 *   naming the chunk, the pack and the file. Wrong bytes are never returned.
 * - Chunk lists are verified against their hash before use; an entry's sizes, chunk counts and
 *   file hash are checked against what it lists.
 * - Adjacent chunks of one pack are fetched with one ranged get (small gaps included), and up to
 *   `readAheadBytes` are fetched and verified ahead of the consumer.
 */
import { CorruptDataError, InvalidArgumentError, isStrataError } from '../errors.ts';
import type { ObjectHash } from '../ids.ts';
import { chunkListKey, packKey } from '../object-keys.ts';
import type { ByteRange, ObjectStore } from '../ports.ts';
import { type ChunkHasher, inlineChunkHasher } from './chunk-hasher.ts';
import { decodeChunkList } from './chunk-list.ts';
import { wholeNumberProp } from './props.ts';
import {
  checkInlineChunks,
  FileHashCheck,
  type PackRequest,
  type PlacedChunk,
  placedChunks,
  RequestPlanner,
} from './read-plan.ts';
import { type Settled, settle, unwrap } from './settle.ts';
import type { ChunkListRef, ChunkRef, StoredContent } from './types.ts';

const MiB = 1024 * 1024;

export interface ContentReaderProps {
  readonly objects: ObjectStore;
  /** @default inlineChunkHasher - SHA-256 on the calling thread */
  readonly hasher?: ChunkHasher;
  /** Bytes fetched and verified ahead of the consumer (plus one request). @default 16 MiB */
  readonly readAheadBytes?: number;
  /** The largest ranged get made by joining adjacent chunks. @default 8 MiB, a pack */
  readonly maxRequestBytes?: number;
  /** Unneeded bytes between two chunks of a pack that one get may still span. @default 256 KiB */
  readonly maxGapBytes?: number;
}

export interface ReadOptions {
  /** The file's path, named in errors. */
  readonly path?: string;
}

interface HashedRequest {
  readonly request: PackRequest;
  readonly bytes: Uint8Array;
  /** Each chunk's SHA-256 in hex, in request order. */
  readonly digests: string;
}

export class ContentReader {
  readonly #objects: ObjectStore;
  readonly #hasher: ChunkHasher;
  readonly #readAheadBytes: number;
  readonly #maxRequestBytes: number;
  readonly #maxGapBytes: number;

  constructor(props: ContentReaderProps) {
    this.#objects = props.objects;
    this.#hasher = props.hasher ?? inlineChunkHasher;
    const prop = (name: string, value: number | undefined, fallback: number, least: number) =>
      wholeNumberProp('ContentReader', name, value, fallback, least);
    this.#readAheadBytes = prop('readAheadBytes', props.readAheadBytes, 16 * MiB, 0);
    this.#maxRequestBytes = prop('maxRequestBytes', props.maxRequestBytes, 8 * MiB, 1);
    this.#maxGapBytes = prop('maxGapBytes', props.maxGapBytes, 256 * 1024, 0);
  }

  /** The file's bytes from `range.offset` for `range.length` bytes (default: all of them). */
  read(content: StoredContent, range?: ByteRange, options: ReadOptions = {}): AsyncIterable<Uint8Array> {
    const { start, end } = checkRange(content, range, options.path);
    return this.#read(content, start, end, describeFile(options.path));
  }

  async *#read(content: StoredContent, start: number, end: number, file: string): AsyncGenerator<Uint8Array> {
    if (start === end) return;
    const chunks =
      content.content.kind === 'chunks'
        ? placedChunks(checkInlineChunks(content, file), 0, start, end)
        : this.#listedChunks(content, content.content.lists, start, end, file);
    const planner = new RequestPlanner(this.#maxRequestBytes, this.#maxGapBytes);
    const ahead: { bytes: number; hashed: Promise<Settled<HashedRequest>> }[] = [];
    let aheadBytes = 0;
    const queue = (request: PackRequest) => {
      ahead.push({ bytes: request.length, hashed: settle(this.#fetch(request, file)) });
      aheadBytes += request.length;
    };
    for await (const chunk of chunks) {
      const full = planner.add(chunk);
      if (full === undefined) continue;
      queue(full);
      while (aheadBytes > this.#readAheadBytes && ahead.length > 1) {
        const next = ahead.shift()!;
        aheadBytes -= next.bytes;
        yield* emit(unwrap(await next.hashed), start, end, file);
      }
    }
    const last = planner.finish();
    if (last !== undefined) queue(last);
    for (const next of ahead) yield* emit(unwrap(await next.hashed), start, end, file);
  }

  /** One ranged get, checked for length and hashed (not yet compared: `emit` does that in order). */
  async #fetch(request: PackRequest, file: string): Promise<HashedRequest> {
    const key = packKey(request.pack);
    const first = request.chunks[0]!.ref;
    let bytes: Uint8Array;
    try {
      bytes = await this.#objects.get(key, { offset: request.offset, length: request.length });
    } catch (error) {
      if (isStrataError(error) && (error.category === 'not-found' || error.category === 'invalid')) {
        throw new CorruptDataError(
          `pack ${request.pack} cannot serve bytes ${request.offset}–${request.offset + request.length} (chunk ${first.id} of ${file}): ${error.message}`,
          { cause: error },
        );
      }
      throw error;
    }
    if (bytes.length !== request.length) {
      throw new CorruptDataError(
        `pack ${request.pack} returned ${bytes.length} of ${request.length} bytes at offset ${request.offset} (chunk ${first.id} of ${file}): the pack is truncated`,
      );
    }
    const spans = request.chunks.map(({ ref }) => ({
      offset: ref.offset - request.offset,
      length: ref.length,
    }));
    const digests = await this.#hasher.digest(bytes, spans);
    const hex = Buffer.from(digests.buffer, digests.byteOffset, digests.byteLength).toString('hex');
    return { request, bytes, digests: hex };
  }

  /** The chunks of a listed file that overlap [start, end), fetching one list ahead. */
  async *#listedChunks(
    content: StoredContent,
    lists: readonly ChunkListRef[],
    start: number,
    end: number,
    file: string,
  ): AsyncGenerator<PlacedChunk> {
    const listed = lists.reduce((sum, list) => sum + list.size, 0);
    if (listed !== content.size) {
      throw new CorruptDataError(`${file} lists ${listed} bytes in chunk lists but has size ${content.size}`);
    }
    const wanted: { list: ChunkListRef; at: number }[] = [];
    let at = 0;
    for (const list of lists) {
      if (at < end && at + list.size > start) wanted.push({ list, at });
      at += list.size;
    }
    // A whole-file read sees every chunk, so it can check the file hash too.
    const hashCheck = start === 0 && end === content.size ? new FileHashCheck() : undefined;
    const fetches = wanted.map(
      ({ list }) =>
        () =>
          settle(this.#fetchList(list, file)),
    );
    let next = fetches[0]?.();
    for (let i = 0; i < wanted.length; i++) {
      const current = next!;
      next = fetches[i + 1]?.();
      const refs = unwrap(await current);
      hashCheck?.add(refs);
      yield* placedChunks(refs, wanted[i]!.at, start, end);
    }
    hashCheck?.verify(content, file);
  }

  async #fetchList(list: ChunkListRef, file: string): Promise<ChunkRef[]> {
    let bytes: Uint8Array;
    try {
      bytes = await this.#objects.get(chunkListKey(list.hash));
    } catch (error) {
      if (isStrataError(error) && error.category === 'not-found') {
        throw new CorruptDataError(`chunk list ${list.hash} of ${file} is missing`, { cause: error });
      }
      throw error;
    }
    const refs = decodeChunkList(list.hash, bytes);
    const size = refs.reduce((sum, ref) => sum + ref.length, 0);
    if (refs.length !== list.chunkCount || size !== list.size) {
      throw listMismatch(list.hash, file, refs.length, size, list);
    }
    return refs;
  }
}

function listMismatch(hash: ObjectHash, file: string, count: number, size: number, list: ChunkListRef) {
  return new CorruptDataError(
    `chunk list ${hash} of ${file} holds ${count} chunks / ${size} bytes but the entry says ${list.chunkCount} / ${list.size}`,
  );
}

/** Yields a fetched request's chunks, clipped to [start, end), each only after its hash matched its ID. */
function* emit(hashed: HashedRequest, start: number, end: number, file: string): Generator<Uint8Array> {
  const { request, bytes, digests } = hashed;
  for (let i = 0; i < request.chunks.length; i++) {
    const { ref, at } = request.chunks[i]!;
    if (digests.slice(i * 64, i * 64 + 64) !== ref.id) {
      throw new CorruptDataError(
        `chunk ${ref.id} in pack ${ref.pack} (bytes ${ref.offset}–${ref.offset + ref.length}) of ${file} does not match its ID: the stored bytes are corrupt, nothing of this chunk was returned`,
      );
    }
    const from = Math.max(start - at, 0);
    const to = Math.min(end - at, ref.length);
    const offset = ref.offset - request.offset;
    yield bytes.subarray(offset + from, offset + to);
  }
}

function checkRange(content: StoredContent, range: ByteRange | undefined, path: string | undefined) {
  if (range === undefined) return { start: 0, end: content.size };
  const { offset, length } = range;
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new InvalidArgumentError(
      `invalid byte range ${offset}+${length} of ${describeFile(path)}: offset and length are whole numbers ≥ 0`,
    );
  }
  if (offset + length > content.size) {
    throw new InvalidArgumentError(
      `byte range ${offset}+${length} is beyond the end of ${describeFile(path)} (${content.size} bytes): ask for at most ${Math.max(0, content.size - offset)} bytes from offset ${offset}`,
    );
  }
  return { start: offset, end: offset + length };
}

function describeFile(path: string | undefined): string {
  return path === undefined ? 'the file' : `file ${path}`;
}
