/**
 * The global chunk index: `chunk/<chunkId>` → `{"pack":…,"offset":…,"length":…}` in the KvStore,
 * one item per stored chunk, so that any writer in any repo finds a chunk that is already stored
 * and points at it instead of storing it again.
 *
 * Rules:
 * - An entry is written only after its pack is stored (pack first, index second), so a crash
 *   leaves at worst a pack nothing points at, never an entry that points at nothing.
 * - Entries are idempotent: every location of a chunk holds the same bytes, so a later writer
 *   may overwrite an entry with another location (KvStore.putMany's contract).
 * - An entry that does not parse, or whose length disagrees with the chunk, is treated as absent:
 *   the writer stores the chunk again and its new entry replaces the bad one.
 */
import { z } from 'zod';
import type { ChunkId } from '../ids.ts';
import { parsePackId } from '../ids.ts';
import type { KvStore } from '../ports.ts';
import type { ChunkRef } from './types.ts';

export const chunkIndexKey = (id: ChunkId): string => `chunk/${id}`;

const chunkLocationSchema = z.object({
  pack: z.string().transform(parsePackId),
  offset: z.number().int().nonnegative(),
  length: z.number().int().positive(),
});

/** The index value for a chunk stored at `ref`. */
export function encodeChunkLocation(ref: ChunkRef): string {
  return JSON.stringify({ pack: ref.pack, offset: ref.offset, length: ref.length });
}

/** Answer of a batched lookup: where each chunk is stored, or undefined when it is not (usably). */
export interface ChunkLookup {
  readonly found: (ChunkRef | undefined)[];
  /** Entries that were present but unusable (did not parse, or wrong length). */
  readonly unusable: number;
}

/**
 * Looks up many chunks with one `getMany`. `lengths[i]` is the length of chunk `ids[i]`, which a
 * usable entry must agree with.
 */
export async function lookupChunks(
  kv: KvStore,
  ids: readonly ChunkId[],
  lengths: readonly number[],
): Promise<ChunkLookup> {
  if (ids.length === 0) return { found: [], unusable: 0 };
  const items = await kv.getMany(ids.map(chunkIndexKey));
  let unusable = 0;
  const found = items.map((item, i): ChunkRef | undefined => {
    if (item === undefined) return undefined;
    const location = parseLocation(item.value);
    if (location === undefined || location.length !== lengths[i]) {
      unusable++;
      return undefined;
    }
    return { id: ids[i]!, ...location };
  });
  return { found, unusable };
}

/** The entry's location, or undefined when it is not valid JSON of the schema's shape. */
function parseLocation(value: string): z.infer<typeof chunkLocationSchema> | undefined {
  try {
    return chunkLocationSchema.parse(JSON.parse(value));
  } catch {
    return undefined;
  }
}
