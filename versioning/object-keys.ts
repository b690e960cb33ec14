/**
 * Where each kind of immutable object lives in the ObjectStore. Keys start with a short hash
 * prefix so that load spreads over S3 key prefixes.
 */
import type { ObjectHash, PackId } from './ids.ts';

export const packKey = (id: PackId): string => `packs/${id.slice(0, 2)}/${id}`;
export const nodeKey = (hash: ObjectHash): string => `nodes/${hash.slice(0, 2)}/${hash}`;
export const nodePackKey = (id: PackId): string => `nodepacks/${id.slice(0, 2)}/${id}`;
export const chunkListKey = (hash: ObjectHash): string => `lists/${hash.slice(0, 2)}/${hash}`;
export const deltaKey = (id: string): string => `deltas/${id.slice(0, 2)}/${id}`;
