/**
 * The key set of a memory store, kept in byte order for paged scans. Changes are collected and
 * sorted in at the next scan, so a bulk load costs one sort and a single write between scans
 * costs one insertion, instead of a sort of every key per scan.
 */
export class SortedKeys {
  #sorted: string[] = [];
  /** Present keys not yet in #sorted. */
  readonly #added = new Set<string>();
  /** Keys still in #sorted that are no longer present. */
  readonly #removed = new Set<string>();

  /** Records that `key` became present (it was absent before). */
  add(key: string): void {
    if (!this.#removed.delete(key)) this.#added.add(key);
  }

  /** Records that `key` became absent (it was present before). */
  remove(key: string): void {
    if (!this.#added.delete(key)) this.#removed.add(key);
  }

  /**
   * Up to `limit` keys that start with `prefix` and sort after `after`, plus whether more
   * such keys follow.
   */
  page(prefix: string, after: string | undefined, limit: number): { keys: string[]; more: boolean } {
    const sorted = this.#settled();
    const start =
      after !== undefined && after >= prefix ? upperBound(sorted, after) : lowerBound(sorted, prefix);
    const keys: string[] = [];
    for (let i = start; i < sorted.length; i++) {
      const key = sorted[i]!;
      if (!key.startsWith(prefix)) break;
      if (keys.length === limit) return { keys, more: true };
      keys.push(key);
    }
    return { keys, more: false };
  }

  #settled(): string[] {
    if (this.#removed.size > 0 && this.#removed.size <= FEW) {
      for (const key of this.#removed) this.#sorted.splice(lowerBound(this.#sorted, key), 1);
    } else if (this.#removed.size > 0) {
      this.#sorted = this.#sorted.filter((key) => !this.#removed.has(key));
    }
    this.#removed.clear();
    if (this.#added.size > 0 && this.#added.size <= FEW) {
      for (const key of this.#added) this.#sorted.splice(lowerBound(this.#sorted, key), 0, key);
    } else if (this.#added.size > 0) {
      this.#sorted = mergeSorted(this.#sorted, [...this.#added].sort(byteOrder));
    }
    this.#added.clear();
    return this.#sorted;
  }
}

/** Up to this many pending changes, splicing them in one by one beats rebuilding the array. */
const FEW = 32;

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Index of the first element ≥ `key`. */
function lowerBound(sorted: readonly string[], key: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid]! < key) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Index of the first element > `key`. */
function upperBound(sorted: readonly string[], key: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid]! <= key) low = mid + 1;
    else high = mid;
  }
  return low;
}

function mergeSorted(a: readonly string[], b: readonly string[]): string[] {
  const out: string[] = new Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = a[i]! < b[j]! ? a[i++]! : b[j++]!;
  while (i < a.length) out[k++] = a[i++]!;
  while (j < b.length) out[k++] = b[j++]!;
  return out;
}
