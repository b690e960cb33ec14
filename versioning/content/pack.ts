/**
 * Packs: immutable objects holding many chunks back to back, so that many small files cost one
 * object, not one each. File entries point straight at (pack, offset, length), so a read never
 * needs the manifest; the manifest at the pack's end says what the pack holds, so the chunk
 * index can be rebuilt and unreferenced packs can be found from the packs alone.
 *
 * Layout (integers big-endian):
 *   chunk bytes, back to back from offset 0
 *   manifest: per chunk, in order, its 32-byte SHA-256 and its u32 length (offsets follow)
 *   trailer:  u32 chunk count, u32 magic 'SPK1'
 */
import { CorruptDataError } from '../errors.ts';
import { type ChunkId, newPackId, type PackId, parseChunkId } from '../ids.ts';
import type { ChunkRef } from './types.ts';

const MANIFEST_ENTRY_BYTES = 36;
const TRAILER_BYTES = 8;
const PACK_MAGIC = 0x53504b31;

/** The bytes a pack needs for one chunk of `length` bytes alone, manifest included. */
export function packSizeFor(length: number): number {
  return length + MANIFEST_ENTRY_BYTES + TRAILER_BYTES;
}

/** A pack being filled in memory. Holds its capacity from the start; never grows. */
export class PackBuilder {
  readonly id: PackId = newPackId();
  readonly #bytes: Buffer;
  readonly #refs: ChunkRef[] = [];
  #dataLength = 0;
  #sealed = false;

  constructor(capacity: number) {
    this.#bytes = Buffer.allocUnsafe(capacity);
  }

  get chunkCount(): number {
    return this.#refs.length;
  }

  /** Where each chunk of this pack is, in pack order. */
  get refs(): readonly ChunkRef[] {
    return this.#refs;
  }

  /** Whether one more chunk of `length` bytes fits, with its manifest entry. */
  fits(length: number): boolean {
    const manifest = (this.#refs.length + 1) * MANIFEST_ENTRY_BYTES + TRAILER_BYTES;
    return this.#dataLength + length + manifest <= this.#bytes.length;
  }

  /** Copies the chunk in and says where it will be. Check `fits` first. */
  append(id: ChunkId, chunk: Uint8Array): ChunkRef {
    if (this.#sealed || !this.fits(chunk.length)) {
      throw new RangeError(`pack ${this.id} cannot take a chunk of ${chunk.length} bytes`);
    }
    this.#bytes.set(chunk, this.#dataLength);
    const ref: ChunkRef = { id, pack: this.id, offset: this.#dataLength, length: chunk.length };
    this.#refs.push(ref);
    this.#dataLength += chunk.length;
    return ref;
  }

  /** The finished pack: chunks, manifest, trailer. The builder takes no chunks afterwards. */
  seal(): Uint8Array {
    this.#sealed = true;
    const bytes = this.#bytes;
    let at = this.#dataLength;
    for (const ref of this.#refs) {
      bytes.write(ref.id, at, 'hex');
      bytes.writeUInt32BE(ref.length, at + 32);
      at += MANIFEST_ENTRY_BYTES;
    }
    bytes.writeUInt32BE(this.#refs.length, at);
    bytes.writeUInt32BE(PACK_MAGIC, at + 4);
    return bytes.subarray(0, at + TRAILER_BYTES);
  }
}

/** The chunks a whole pack says it holds. Throws CorruptDataError if the manifest is malformed. */
export function readPackManifest(pack: PackId, bytes: Uint8Array): ChunkRef[] {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const malformed = (reason: string) =>
    new CorruptDataError(`pack ${pack} has a malformed manifest (${reason}): the pack is damaged`);
  if (view.length < TRAILER_BYTES || view.readUInt32BE(view.length - 4) !== PACK_MAGIC) {
    throw malformed('no trailer');
  }
  const count = view.readUInt32BE(view.length - TRAILER_BYTES);
  const manifestStart = view.length - TRAILER_BYTES - count * MANIFEST_ENTRY_BYTES;
  if (manifestStart < 0) throw malformed(`${count} chunks do not fit in ${view.length} bytes`);
  const refs: ChunkRef[] = [];
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const at = manifestStart + i * MANIFEST_ENTRY_BYTES;
    const length = view.readUInt32BE(at + 32);
    const id = parseChunkId(view.toString('hex', at, at + 32));
    refs.push({ id, pack, offset, length });
    offset += length;
  }
  if (offset !== manifestStart) {
    throw malformed(`chunks cover ${offset} bytes but the manifest starts at ${manifestStart}`);
  }
  return refs;
}
