/**
 * Where nodes end. A node at level L ends after an item when one of these holds:
 * - its estimated encoded size has reached `maxNodeBytes` (the cap, so no node grows unbounded
 *   whatever the paths; a node above the leaves holds 2 children at least, so that each level
 *   narrows the tree), or
 * - it holds at least `minItems` items and the item's key hashes into a 1-in-K slot, K being
 *   `leafFanout` for level 0 and `branchFanout` above. The key of an entry is its path; the key
 *   of a child reference is the child's last path, so the shape of a tree depends only on its
 *   paths (and, through the cap, sizes): changing a file's content never moves a boundary.
 *
 * Each rule looks only at the items since the node's start, so a node's extent is a function of
 * the entries from the previous boundary on. That is what lets an edit re-use every node whose
 * span it does not touch and still produce the very tree a fresh build would: the tree is a
 * function of its entry set and these parameters (history independence), caps included.
 * Trees built with other parameters stay valid and readable; they only share fewer nodes.
 */
import { InvalidArgumentError } from '../errors.ts';
import type { FileEntry } from './types.ts';

export interface TreeShapeOptions {
  /** Mean entries per leaf (level-0 node), beyond `minItems`. @default 128 */
  readonly leafFanout?: number;
  /** Mean children per node above the leaves, beyond `minItems`. @default 256 */
  readonly branchFanout?: number;
  /** No node ends on a key hash before it holds this many items. @default 4 */
  readonly minItems?: number;
  /** A node ends once its estimated encoded size reaches this many bytes. @default 131072 (128 KiB) */
  readonly maxNodeBytes?: number;
}

export class TreeShape {
  readonly leafFanout: number;
  readonly branchFanout: number;
  readonly minItems: number;
  readonly maxNodeBytes: number;
  readonly #leafThreshold: number;
  readonly #branchThreshold: number;

  constructor(options: TreeShapeOptions = {}) {
    this.leafFanout = wholeNumber('leafFanout', options.leafFanout ?? 128, 2, 1 << 20);
    this.branchFanout = wholeNumber('branchFanout', options.branchFanout ?? 256, 2, 1 << 20);
    this.minItems = wholeNumber('minItems', options.minItems ?? 4, 1, 1 << 20);
    this.maxNodeBytes = wholeNumber('maxNodeBytes', options.maxNodeBytes ?? 128 * 1024, 1024, 64 << 20);
    this.#leafThreshold = Math.floor(2 ** 32 / this.leafFanout);
    this.#branchThreshold = Math.floor(2 ** 32 / this.branchFanout);
  }

  /** Whether a node at `level` ends after an item with this key, count and estimated size. */
  endsAfter(level: number, key: string, itemCount: number, estimatedBytes: number): boolean {
    // A branch ends with 2 children at least, whatever their size: each level at least halves
    // the one below, so the tree always narrows to one root.
    if (level > 0 && itemCount < 2) return false;
    if (estimatedBytes >= this.maxNodeBytes) return true;
    if (itemCount < this.minItems) return false;
    const threshold = level === 0 ? this.#leafThreshold : this.#branchThreshold;
    return boundaryHash(key, level) < threshold;
  }
}

/** Checks a numeric option, naming it in the error. */
export function wholeNumber(name: string, value: number, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(`invalid ${name} ${value}: give a whole number from ${min} to ${max}`);
  }
  return value;
}

/**
 * A MurmurHash3-style mix of the key's UTF-16 code units, seeded per level so that the levels'
 * boundaries are independent draws. Part of the tree format: changing it reshapes every tree.
 */
export function boundaryHash(key: string, level: number): number {
  let h = Math.imul(level + 1, 0x9e3779b9) ^ 0x5bd1e995;
  for (let i = 0; i < key.length; i++) {
    let k = Math.imul(key.charCodeAt(i), 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= key.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Length of the longest common prefix of two strings, in UTF-16 code units. */
export function sharedPrefixLength(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

/**
 * Estimated encoded bytes of an entry in a leaf after `previousPath`. Only the cap uses it, and
 * only its determinism matters (it is close to the real size, not equal to it).
 */
export function estimateEntryBytes(entry: FileEntry, previousPath: string): number {
  const suffix = entry.path.length - sharedPrefixLength(previousPath, entry.path);
  const content = entry.content;
  const parts = content.kind === 'chunks' ? content.chunks.length * 52 : content.lists.length * 48;
  return 48 + suffix + parts;
}

/** Estimated encoded bytes of a child reference whose paths are `first` and `last`. */
export function estimateRefBytes(first: string, last: string, previousPath: string): number {
  const firstSuffix = first.length - sharedPrefixLength(previousPath, first);
  const lastSuffix = last.length - sharedPrefixLength(first, last);
  return 64 + firstSuffix + lastSuffix;
}
