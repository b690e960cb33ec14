import { describe, expect, it } from 'vitest';
import type { ByteRange, ListOptions, ObjectStore } from '../../versioning/ports.ts';
import { FileIndex, type TreeChange } from '../../versioning/tree/index.ts';
import { collect, entry, newIndex, p, random, syntheticPaths } from './tree-fixtures.ts';

describe('FileIndex.diff', () => {
  it('lists added, deleted and modified files in path order', async () => {
    const { index } = newIndex();
    const before = await index.build(['/a', '/b', '/c/d', '/c/e'].map((path) => entry(path)));
    const after = await index.build([entry('/a'), entry('/b', 2), entry('/c/e'), entry('/c/f')]);

    const differences = await collect(index.diff(before.root, after.root));

    expect(differences).toEqual([
      { path: '/b', before: entry('/b'), after: entry('/b', 2) },
      { path: '/c/d', before: entry('/c/d') },
      { path: '/c/f', after: entry('/c/f') },
    ]);
  });

  it('limits the differences to a prefix', async () => {
    const { index } = newIndex({ leafFanout: 4, branchFanout: 2 });
    const paths = syntheticPaths(500);
    const before = await index.build(paths.map((path) => entry(path)));
    const after = await index.build(paths.map((path) => entry(path, 1)));

    const differences = await collect(index.diff(before.root, after.root, { prefix: '/d03/' }));

    expect(differences.map((d) => d.path)).toEqual(paths.filter((path) => path.startsWith('/d03/')));
  });

  it('finds nothing between a tree and itself, reading nothing', async () => {
    const { store, index } = newIndex();
    const tree = await index.build(syntheticPaths(1000).map((path) => entry(path)));
    const fresh = new FileIndex(store);

    expect(await collect(fresh.diff(tree.root, tree.root))).toEqual([]);
    expect(fresh.stats.reads).toBe(0);
  });

  it('treats the same content stored in another place as no difference', async () => {
    const { index } = newIndex();
    const moved = entry('/a');
    const relocated = {
      ...moved,
      content: {
        kind: 'chunks' as const,
        chunks:
          moved.content.kind === 'chunks'
            ? moved.content.chunks.map((c) => ({ ...c, offset: c.offset + 100 }))
            : [],
      },
    };
    const before = await index.build([moved, entry('/b')]);
    const after = await index.build([relocated, entry('/b')]);

    expect(before.root).not.toBe(after.root);
    expect(await collect(index.diff(before.root, after.root))).toEqual([]);
  });

  it('reads the changed leaves together, a level at a time, not one after another', async () => {
    const { store, index } = newIndex();
    const paths = syntheticPaths(100_000);
    const before = await index.build(paths.map((path) => entry(path)));
    const changes = paths
      .filter((_, i) => i % 1000 === 7)
      .map((path): TreeChange => ({ kind: 'put', path: p(path), entry: entry(path, 1) }));
    const after = await index.apply(before.root, changes);
    const slow = new PeakConcurrency(store);

    const differences = await collect(new FileIndex(slow).diff(before.root, after.root));

    expect(differences).toHaveLength(100);
    expect(slow.peak).toBeGreaterThanOrEqual(50);
  });

  it('reads far fewer nodes than the trees hold: 100 changes in 200,000 files', async () => {
    const { store, index } = newIndex();
    const paths = syntheticPaths(200_000);
    const before = await index.build(paths.map((path) => entry(path)));
    const totalNodes = index.stats.writes;
    const next = random(5);
    const changes = new Map<string, TreeChange>();
    while (changes.size < 100) {
      const path = paths[Math.floor(next() * paths.length)]!;
      const roll = next();
      if (roll < 0.4) changes.set(path, { kind: 'put', path: p(path), entry: entry(path, 1) });
      else if (roll < 0.7) changes.set(path, { kind: 'delete', path: p(path) });
      else changes.set(`${path}.new`, { kind: 'put', path: p(`${path}.new`), entry: entry(`${path}.new`) });
    }
    const sorted = [...changes.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
    const after = await index.apply(before.root, sorted);
    const fresh = new FileIndex(store);

    const differences = await collect(fresh.diff(before.root, after.root));

    expect(differences.map((d) => d.path)).toEqual(sorted.map((c) => c.path));
    // Two root-to-leaf paths per change at most (depth 3 here), and nothing else.
    expect(fresh.stats.reads).toBeLessThanOrEqual(100 * 2 * 3);
    expect(fresh.stats.reads).toBeLessThan(totalNodes / 4);
  });
});

/** An ObjectStore that answers gets after a tick and records how many were in flight at once. */
class PeakConcurrency implements ObjectStore {
  peak = 0;
  readonly #store: ObjectStore;
  #inFlight = 0;

  constructor(store: ObjectStore) {
    this.#store = store;
  }

  async get(key: string, range?: ByteRange): Promise<Uint8Array> {
    this.peak = Math.max(this.peak, ++this.#inFlight);
    try {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return await this.#store.get(key, range);
    } finally {
      this.#inFlight--;
    }
  }

  putIfAbsent(key: string, bytes: Uint8Array) {
    return this.#store.putIfAbsent(key, bytes);
  }

  head(key: string) {
    return this.#store.head(key);
  }

  list(prefix: string, options?: ListOptions) {
    return this.#store.list(prefix, options);
  }

  delete(key: string) {
    return this.#store.delete(key);
  }
}
