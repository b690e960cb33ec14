/**
 * Node packs: the nodes a tree writer creates are stored together, the root on its own and last;
 * a node's place in a pack is a hint checked by its hash; trees stored one object per node (before
 * node packs) still read and edit alike.
 */
import { describe, expect, it } from 'vitest';
import { MemoryObjectStore } from '../../adapters/memory/object-store.ts';
import { CorruptDataError } from '../../versioning/errors.ts';
import { parseObjectHash } from '../../versioning/ids.ts';
import { nodeKey } from '../../versioning/object-keys.ts';
import { allPages, type ByteRange, type ObjectStore } from '../../versioning/ports.ts';
import { FileIndex } from '../../versioning/tree/index.ts';
import { collect, entry, newIndex, p, rewrite, storedNodes, syntheticPaths } from './tree-fixtures.ts';

const SMALL = { leafFanout: 8, branchFanout: 4 };

const keysUnder = async (store: ObjectStore, prefix: string): Promise<string[]> =>
  (await collect(allPages((after) => store.list(prefix, after ? { after } : {})))).map((info) => info.key);

/** Records when each put starts and ends; node pack puts take a while to land. */
class SlowPackStore implements ObjectStore {
  readonly events: string[] = [];
  readonly #inner = new MemoryObjectStore();

  async putIfAbsent(key: string, bytes: Uint8Array): Promise<boolean> {
    this.events.push(`start ${key}`);
    if (key.startsWith('nodepacks/')) await new Promise((resolve) => setTimeout(resolve, 5));
    const written = await this.#inner.putIfAbsent(key, bytes);
    this.events.push(`end ${key}`);
    return written;
  }

  get(key: string, range?: ByteRange) {
    return this.#inner.get(key, range);
  }

  head(key: string) {
    return this.#inner.head(key);
  }

  list(prefix: string, options?: { after?: string; limit?: number }) {
    return this.#inner.list(prefix, options);
  }

  delete(key: string) {
    return this.#inner.delete(key);
  }
}

describe('node packs', () => {
  it('stores the nodes of one build in one node pack and the root on its own', async () => {
    // Arrange
    const { store, index } = newIndex(SMALL);
    const entries = syntheticPaths(3000).map((path) => entry(path));

    // Act
    const summary = await index.build(entries);

    // Assert
    expect(index.stats.writes).toBeGreaterThan(300);
    expect(store.stats.puts).toBe(2);
    expect(await keysUnder(store, 'nodepacks/')).toHaveLength(1);
    expect(await keysUnder(store, 'nodes/')).toEqual([nodeKey(summary.root)]);
    expect(await collect(new FileIndex(store).walk(summary.root))).toEqual(entries);
  });

  it('stores a tree of one leaf as the root alone, with no pack', async () => {
    const { store, index } = newIndex();

    const summary = await index.build([entry('/a'), entry('/b')]);

    expect(store.stats.puts).toBe(1);
    expect(await keysUnder(store, 'nodes/')).toEqual([nodeKey(summary.root)]);
  });

  it('stores the root last, once every pack under it is stored', async () => {
    // Arrange: packs of about 4 KiB, so that the build fills many.
    const store = new SlowPackStore();
    const index = new FileIndex(store, { ...SMALL, maxPackBytes: 4096 });

    // Act
    const summary = await index.build(syntheticPaths(3000).map((path) => entry(path)));

    // Assert
    // Wait for any put still in flight, so that a pack landing after the root would be seen.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const rootStart = store.events.indexOf(`start ${nodeKey(summary.root)}`);
    const count = (events: readonly string[], what: string) =>
      events.filter((event) => event.startsWith(what)).length;
    const beforeRoot = store.events.slice(0, rootStart);
    const packs = count(store.events, 'start nodepacks/');
    expect(packs).toBeGreaterThan(10);
    expect(index.stats.packWrites).toBe(packs);
    expect(count(beforeRoot, 'start nodepacks/')).toBe(packs);
    expect(count(beforeRoot, 'end nodepacks/')).toBe(packs);
  });

  it("takes a pack put answered 'already there' by a retry of that put as stored", async () => {
    // Arrange: a store that keeps each pack, then answers as a retried put would (the key exists).
    const inner = new MemoryObjectStore();
    const retrying: ObjectStore = {
      putIfAbsent: async (key, bytes) => {
        const written = await inner.putIfAbsent(key, bytes);
        return key.startsWith('nodepacks/') ? false : written;
      },
      get: (key, range) => inner.get(key, range),
      head: (key) => inner.head(key),
      list: (prefix, options) => inner.list(prefix, options),
      delete: (key) => inner.delete(key),
    };
    const index = new FileIndex(retrying, SMALL);
    const entries = syntheticPaths(500).map((path) => entry(path));

    // Act
    const summary = await index.build(entries);

    // Assert
    expect(await collect(new FileIndex(inner).walk(summary.root))).toEqual(entries);
  });

  it('keeps the stored entry, and so the root, when a put brings the same bytes again', async () => {
    const { index } = newIndex(SMALL);
    const paths = syntheticPaths(300);
    const tree = await index.build(paths.map((path) => entry(path)));
    const stored = (await collect(index.walk(tree.root)))[42]!;
    // The same bytes stored elsewhere (a small file is not indexed, so a re-upload stores it anew).
    const again = { ...stored, content: (await collect(index.walk(tree.root)))[43]!.content };

    const edited = await index.apply(tree.root, [{ kind: 'put', path: stored.path, entry: again }]);

    expect(edited.root).toBe(tree.root);
    expect((await collect(index.walk(edited.root)))[42]).toEqual(stored);
  });

  it('writes one pack and the root for an edit, re-using the other nodes where they are', async () => {
    const { store, index } = newIndex(SMALL);
    const paths = syntheticPaths(3000);
    const tree = await index.build(paths.map((path) => entry(path)));
    store.resetStats();

    const edited = await index.apply(tree.root, [
      { kind: 'put', path: p(paths[1234]!), entry: entry(paths[1234]!, 1) },
    ]);

    expect(store.stats.puts).toBe(2);
    expect((await storedNodes(store, edited.root)).length).toBe((await storedNodes(store, tree.root)).length);
    expect(await new FileIndex(store).get(edited.root, p(paths[1234]!))).toEqual(entry(paths[1234]!, 1));
  });

  it('puts nothing for an edit that changes nothing, nor for the base of a first commit', async () => {
    const { store, index } = newIndex(SMALL);
    const tree = await index.build(syntheticPaths(500).map((path) => entry(path)));
    store.resetStats();

    const same = await index.apply(tree.root, []);
    const empty = await new FileIndex(store).emptyRoot();
    const first = await new FileIndex(store).apply(empty, [
      { kind: 'put', path: p('/a'), entry: entry('/a') },
    ]);

    expect(same.root).toBe(tree.root);
    expect(store.stats.puts).toBe(1);
    expect(await collect(new FileIndex(store).walk(first.root))).toEqual([entry('/a')]);
  });

  it('stores a packed subtree on its own when an edit makes it the root', async () => {
    // Arrange: deleting every file after the root's first child leaves that child as the tree.
    const { store, index } = newIndex(SMALL);
    const paths = syntheticPaths(3000);
    const tree = await index.build(paths.map((path) => entry(path)));
    const [root, child] = await storedNodes(store, tree.root);
    const [, first, shared, suffix] = root!.json.paths;
    const last = String(first).slice(0, Number(shared)) + String(suffix);
    const deletes = paths
      .filter((path) => path > last)
      .map((path) => ({ kind: 'delete', path: p(path) }) as const);

    // Act
    const edited = await index.apply(tree.root, deletes);

    // Assert
    expect(child?.range).toBeDefined();
    expect(edited.root).toBe(child?.hash);
    expect(await store.head(nodeKey(edited.root))).toBeDefined();
    expect((await collect(new FileIndex(store).walk(edited.root))).map((e) => e.path)).toEqual(
      paths.filter((path) => path <= last),
    );
  });

  it('refuses a child whose location points at other bytes', async () => {
    // Arrange: swap the first two child locations of the root (they are not part of its name).
    const { store, index } = newIndex(SMALL);
    const tree = await index.build(syntheticPaths(3000).map((path) => entry(path)));
    await rewrite(store, nodeKey(tree.root), (bytes) => {
      const places = bytes.subarray(bytes.lastIndexOf('"]}\n') + 4);
      const [first, second] = [Buffer.from(places.subarray(0, 12)), Buffer.from(places.subarray(12, 24))];
      second.copy(places, 0);
      first.copy(places, 12);
      return bytes;
    });

    // Act
    const walk = collect(new FileIndex(store).walk(tree.root));

    // Assert
    await expect(walk).rejects.toThrow(CorruptDataError);
    await expect(collect(new FileIndex(store).walk(tree.root))).rejects.toThrow(/hash to/);
  });

  it('refuses a child whose location lies past the end of its pack', async () => {
    const { store, index } = newIndex(SMALL);
    const tree = await index.build(syntheticPaths(3000).map((path) => entry(path)));
    await rewrite(store, nodeKey(tree.root), (bytes) => {
      const places = bytes.subarray(bytes.lastIndexOf('"]}\n') + 4);
      places.writeUInt32BE(2 ** 31, 4);
      return bytes;
    });

    await expect(collect(new FileIndex(store).walk(tree.root))).rejects.toThrow(CorruptDataError);
  });

  it('reads the leaves an edit rewrote, which lie together in its pack, with few gets', async () => {
    // Arrange
    const { store, index } = newIndex({ leafFanout: 16, branchFanout: 64 });
    const paths = syntheticPaths(20_000);
    const before = await index.build(paths.map((path) => entry(path)));
    const changed = paths.filter((_, i) => i % 400 === 7);
    const after = await index.apply(
      before.root,
      changed.map((path) => ({ kind: 'put', path: p(path), entry: entry(path, 1) }) as const),
    );
    store.resetStats();
    const fresh = new FileIndex(store);

    // Act
    const differences = await collect(fresh.diff(before.root, after.root));

    // Assert: the new side's leaves come in runs, the old side's one get each.
    expect(differences.map((d) => d.path)).toEqual(changed);
    expect(fresh.stats.reads).toBeGreaterThan(2 * changed.length);
    expect(store.stats.gets).toBeLessThan(changed.length + 20);
  });

  it('refuses malformed child locations', async () => {
    const { store, index } = newIndex(SMALL);
    const tree = await index.build(syntheticPaths(3000).map((path) => entry(path)));
    await rewrite(store, nodeKey(tree.root), (bytes) => Buffer.concat([bytes, Buffer.from('x')]));

    await expect(new FileIndex(store).summary(tree.root)).rejects.toThrow(/three 32-bit numbers per child/);
  });

  it.each([
    ['a pack index past its list of packs', 0, (packs: number) => packs],
    ['a length of 0', 2, () => 0],
  ])('refuses a child location with %s', async (_, field, value) => {
    // Arrange: rewrite one number of the root's first child location.
    const { store, index } = newIndex(SMALL);
    const tree = await index.build(syntheticPaths(3000).map((path) => entry(path)));
    const [root] = await storedNodes(store, tree.root);
    await rewrite(store, nodeKey(tree.root), (bytes) => {
      const trailer = bytes.subarray(root!.named.length);
      const packsEnd = trailer.indexOf(10);
      const packs: unknown = JSON.parse(trailer.toString('utf8', 0, packsEnd)).packs;
      trailer.writeUInt32BE(value(Array.isArray(packs) ? packs.length : 0), packsEnd + 1 + 4 * field);
      return bytes;
    });

    // Act
    const read = collect(new FileIndex(store).walk(tree.root));

    // Assert
    await expect(read).rejects.toThrow(CorruptDataError);
  });

  it('refuses a damaged node pack', async () => {
    const { store, index } = newIndex(SMALL);
    const tree = await index.build(syntheticPaths(3000).map((path) => entry(path)));
    const [pack] = await keysUnder(store, 'nodepacks/');
    await rewrite(store, pack!, (bytes) => {
      for (let at = 0; at < bytes.length; at += 997) bytes[at] = (bytes[at] ?? 0) ^ 0x20;
      return bytes;
    });

    await expect(collect(new FileIndex(store).walk(tree.root))).rejects.toThrow(CorruptDataError);
  });

  it('reads and edits trees stored one object per node, as before node packs', async () => {
    // Arrange: the same tree with every node standalone and without child locations.
    const { store, index } = newIndex(SMALL);
    const paths = syntheticPaths(3000);
    const tree = await index.build(paths.map((path) => entry(path)));
    const legacy = new MemoryObjectStore();
    for (const node of await storedNodes(store, tree.root)) {
      await legacy.putIfAbsent(nodeKey(parseObjectHash(node.hash)), node.named);
    }
    const change = { kind: 'put', path: p(paths[42]!), entry: entry(paths[42]!, 1) } as const;

    // Act
    const old = new FileIndex(legacy, SMALL);
    const walked = await collect(old.walk(tree.root));
    const edited = await old.apply(tree.root, [change]);
    const expected = await index.apply(tree.root, [change]);

    // Assert
    expect(walked.map((e) => e.path)).toEqual(paths);
    expect(edited.root).toBe(expected.root);
    expect(await collect(new FileIndex(legacy).diff(tree.root, edited.root))).toEqual([
      { path: paths[42], before: entry(paths[42]!), after: entry(paths[42]!, 1) },
    ]);
  });
});
