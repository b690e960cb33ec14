/**
 * Node packs: the nodes one tree writer creates, stored together as one object (or a few, past
 * the size limit) instead of one object each, so that a commit costs a few puts whatever its
 * number of changed nodes. A pack is the nodes' stored bytes one after another, under a random
 * ID at `nodePackKey(id)`; a parent finds a child in it by [offset, length] (NodeLocation), read
 * with one ranged get. A pack is stored once, complete, before any root that reaches into it.
 */
import { ConflictError } from '../errors.ts';
import { newPackId, type PackId } from '../ids.ts';
import { nodePackKey } from '../object-keys.ts';
import type { ObjectStore } from '../ports.ts';
import type { EncodedNode } from './node-codec.ts';
import type { NodeStoreStats } from './node-store.ts';

/** The stored bytes of a node inside a node pack (`nodePackKey(pack)`). */
export interface NodeLocation {
  readonly pack: PackId;
  readonly offset: number;
  readonly length: number;
}

/** The pack index of a standalone child in a LocationColumn. */
export const STANDALONE = 0xffffffff;

/**
 * The children's locations, as stored after a branch node's named bytes (node-codec.ts): the
 * packs, each written once, and per child [pack index, offset, length], STANDALONE for a child
 * stored on its own (offset and length 0). Checked when decoded.
 */
export class LocationColumn {
  readonly packs: readonly PackId[];
  /** Three numbers per child. */
  readonly places: Uint32Array;

  constructor(packs: readonly PackId[], places: Uint32Array) {
    this.packs = packs;
    this.places = places;
  }

  static of(locations: readonly (NodeLocation | undefined)[]): LocationColumn {
    const packs = new Map<PackId, number>();
    const places = new Uint32Array(3 * locations.length);
    locations.forEach((location, i) => {
      if (location === undefined) {
        places[3 * i] = STANDALONE;
        return;
      }
      let index = packs.get(location.pack);
      if (index === undefined) {
        index = packs.size;
        packs.set(location.pack, index);
      }
      places.set([index, location.offset, location.length], 3 * i);
    });
    return new LocationColumn([...packs.keys()], places);
  }

  at(i: number): NodeLocation | undefined {
    const pack = this.packs[this.places[3 * i]!];
    return pack === undefined
      ? undefined
      : { pack, offset: this.places[3 * i + 1]!, length: this.places[3 * i + 2]! };
  }
}

export interface NodePackOptions {
  /** A pack is stored once it would grow past this many bytes. @default 8 MiB */
  readonly maxPackBytes?: number;
  /** Pack puts in flight at once. @default 2 */
  readonly maxPuts?: number;
}

/** Collects one writer's nodes into packs. Not shared: each tree writer has its own. */
export class NodePackWriter {
  readonly #store: ObjectStore;
  readonly #stats: NodeStoreStats;
  readonly #maxBytes: number;
  readonly #maxPuts: number;
  readonly #puts = new Set<Promise<void>>();
  #error: unknown;
  #id: PackId = newPackId();
  #parts: Uint8Array[] = [];
  #bytes = 0;
  #last: EncodedNode | undefined;

  constructor(store: ObjectStore, stats: NodeStoreStats, options: NodePackOptions = {}) {
    this.#store = store;
    this.#stats = stats;
    // Offsets and lengths in a pack are stored as 32-bit numbers.
    this.#maxBytes = Math.min(options.maxPackBytes ?? 8 * 1024 * 1024, 2 ** 31);
    this.#maxPuts = options.maxPuts ?? 2;
  }

  /** Adds a node to the open pack (storing the pack first if the node would overfill it). */
  async append(node: EncodedNode): Promise<NodeLocation> {
    this.#check();
    const length = node.bytes.byteLength;
    if (this.#bytes > 0 && this.#bytes + length > this.#maxBytes) await this.#seal();
    const location = { pack: this.#id, offset: this.#bytes, length };
    this.#parts.push(node.bytes);
    this.#bytes += length;
    this.#last = node;
    this.#stats.writes++;
    this.#stats.bytesWritten += length;
    return location;
  }

  /**
   * Takes the node appended last out of the open pack if it is `hash`: a tree's root, which is
   * stored on its own and which nothing in the pack refers to.
   */
  takeBackLast(hash: EncodedNode['hash']): EncodedNode | undefined {
    const last = this.#last;
    if (last === undefined || last.hash !== hash) return undefined;
    this.#parts.pop();
    this.#bytes -= last.bytes.byteLength;
    this.#last = undefined;
    this.#stats.writes--;
    this.#stats.bytesWritten -= last.bytes.byteLength;
    return last;
  }

  /** Stores the open pack, if any, and waits for every pack: then every location given is readable. */
  async finish(): Promise<void> {
    if (this.#bytes > 0) await this.#seal();
    while (this.#puts.size > 0) await Promise.race(this.#puts);
    this.#check();
  }

  #check(): void {
    if (this.#error !== undefined) throw this.#error;
  }

  async #seal(): Promise<void> {
    while (this.#puts.size >= this.#maxPuts) await Promise.race(this.#puts);
    this.#check();
    const id = this.#id;
    const bytes = Buffer.concat(this.#parts, this.#bytes);
    this.#id = newPackId();
    this.#parts = [];
    this.#bytes = 0;
    this.#last = undefined;
    const key = nodePackKey(id);
    const put: Promise<void> = this.#store
      .putIfAbsent(key, bytes)
      .then(async (written) => {
        if (written) {
          this.#stats.packWrites++;
          return;
        }
        // Pack IDs are random, so "already there" means an adapter's retry of this very put
        // landed twice (its first answer was lost); anything of another size is not ours.
        const existing = await this.#store.head(key);
        if (existing?.size === bytes.length) {
          this.#stats.packWrites++;
          return;
        }
        throw new ConflictError(
          `node pack ${id} already exists with ${existing?.size} bytes, not this pack's ${bytes.length}: pack IDs are random and never reused, so the store holds an object it should not; write the tree again`,
        );
      })
      .then(
        () => {},
        (error: unknown) => {
          this.#error ??= error;
        },
      )
      .finally(() => this.#puts.delete(put));
    this.#puts.add(put);
  }
}
