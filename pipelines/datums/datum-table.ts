/**
 * The datum table of a job: for each datum of the job, the hash its output was made (or reused)
 * under. Incremental planning reads the previous job's table; the job engine keeps it in the KV
 * store. The in-memory table here serves tests, benchmarks and small engines.
 */
import type { DatumHash, DatumId } from './datum.ts';

export interface DatumTableEntry {
  readonly id: DatumId;
  readonly hash: DatumHash;
}

export interface DatumTable {
  /** The hash recorded for the datum, or undefined when the job had no such datum. */
  hashOf(id: DatumId): Promise<DatumHash | undefined>;
  /** Every entry, in any order. */
  entries(): AsyncIterable<DatumTableEntry>;
  /** How many entries `entries()` gives. */
  count(): Promise<number>;
}

/** A DatumTable in a Map; counts lookups so tests and benchmarks can see what planning costs. */
export class MemoryDatumTable implements DatumTable {
  /** `hashOf` calls so far. */
  lookups = 0;
  readonly #hashes: Map<DatumId, DatumHash>;

  constructor(entries: Iterable<DatumTableEntry> = []) {
    this.#hashes = new Map();
    for (const { id, hash } of entries) this.#hashes.set(id, hash);
  }

  async hashOf(id: DatumId): Promise<DatumHash | undefined> {
    this.lookups++;
    return this.#hashes.get(id);
  }

  async *entries(): AsyncGenerator<DatumTableEntry> {
    for (const [id, hash] of this.#hashes) yield { id, hash };
  }

  async count(): Promise<number> {
    return this.#hashes.size;
  }
}
