import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../versioning/errors.ts';
import { type ObjectHash, parseFilePath } from '../../versioning/ids.ts';
import type { ObjectStore } from '../../versioning/ports.ts';
import { FileIndex, type TreeChange } from '../../versioning/tree/index.ts';
import { collect, entry, newIndex, p, random, syntheticPaths } from './tree-fixtures.ts';

const put = (path: string, version = 1): TreeChange => ({
  kind: 'put',
  path: p(path),
  entry: entry(path, version),
});
const del = (path: string): TreeChange => ({ kind: 'delete', path: p(path) });
const delDir = (path: string): TreeChange => ({
  kind: 'delete-dir',
  path: parseFilePath(path, { allowRoot: true }),
});

async function paths(index: FileIndex, root: ObjectHash): Promise<string[]> {
  return (await collect(index.walk(root))).map((e) => e.path);
}

describe('FileIndex.apply', () => {
  const base = ['/a', '/a-b', '/a.txt', '/a/x', '/a/y/z', '/b', '/c/d'];

  it('puts, replaces and deletes files', async () => {
    const { index } = newIndex();
    const tree = await index.build(base.map((path) => entry(path)));

    const result = await index.apply(tree.root, [put('/0'), del('/a-b'), put('/a/x', 2), del('/nothing')]);

    expect(await paths(index, result.root)).toEqual(['/0', '/a', '/a.txt', '/a/x', '/a/y/z', '/b', '/c/d']);
    expect((await index.get(result.root, p('/a/x')))?.hash).toBe(entry('/a/x', 2).hash);
    expect(result.fileCount).toBe(7);
  });

  it('deletes a directory and the file of its name, not its neighbours, keeping puts inside it', async () => {
    const { index } = newIndex();
    const tree = await index.build(base.map((path) => entry(path)));

    const result = await index.apply(tree.root, [delDir('/a'), put('/a-c'), put('/a/new')]);

    expect(await paths(index, result.root)).toEqual(['/a-b', '/a-c', '/a.txt', '/a/new', '/b', '/c/d']);
  });

  it("deletes everything with delete-dir '/', keeping the batch's puts", async () => {
    const { index } = newIndex();
    const tree = await index.build(base.map((path) => entry(path)));

    const result = await index.apply(tree.root, [delDir('/'), put('/b', 3)]);

    expect(await paths(index, result.root)).toEqual(['/b']);
  });

  it.each([
    ['out of order', [put('/b'), put('/a')]],
    ['the same path twice', [put('/a'), del('/a')]],
  ])('rejects changes %s with InvalidArgumentError', async (_, changes) => {
    const { index } = newIndex();
    const tree = await index.build(base.map((path) => entry(path)));

    await expect(index.apply(tree.root, changes)).rejects.toThrow(InvalidArgumentError);
  });

  it('rejects a put whose entry is for another path', async () => {
    const { index } = newIndex();
    const tree = await index.build([]);

    await expect(
      index.apply(tree.root, [{ kind: 'put', path: p('/a'), entry: entry('/b') }]),
    ).rejects.toThrow(/must be the same path/);
  });

  it('returns the same root for an empty batch, reading only the root', async () => {
    const { store, index } = newIndex();
    const tree = await index.build(syntheticPaths(5000).map((path) => entry(path)));
    const fresh = new FileIndex(store);

    const result = await fresh.apply(tree.root, []);

    expect(result).toEqual(tree);
    expect(fresh.stats.reads).toBe(1);
  });

  it('writes only the nodes on the path to the root for one change in 100,000 entries', async () => {
    const { store, index } = newIndex();
    const all = syntheticPaths(100_000);
    const tree = await index.build(all.map((path) => entry(path)));
    const totalNodes = index.stats.writes;
    const depth = await nodesPerLookup(store, tree.root, all[0]!);

    for (const change of [put(all[54_321]!, 2), put('/d05/e05/new.txt'), del(all[777]!)]) {
      store.resetStats();
      const fresh = new FileIndex(store);
      await fresh.apply(tree.root, [change]);

      // One node per level, plus a neighbour where a boundary moved: one node pack and the root.
      expect(fresh.stats.writes).toBeLessThanOrEqual(2 * depth);
      expect(store.stats.puts).toBeLessThanOrEqual(2);
      expect(fresh.stats.reads).toBeLessThanOrEqual(3 * depth);
    }
    expect(totalNodes).toBeGreaterThan(500);
  });

  it('drops a deleted directory without reading its leaves', async () => {
    const { store, index } = newIndex();
    const all = [...syntheticPaths(50_000, '/big'), ...syntheticPaths(2000, '/small')].sort();
    const tree = await index.build(all.map((path) => entry(path)));
    const nodesUnderBig = index.stats.writes;
    const fresh = new FileIndex(store);

    const result = await fresh.apply(tree.root, [delDir('/big')]);

    expect(result.fileCount).toBe(2000);
    expect(fresh.stats.reads).toBeLessThan(20);
    expect(nodesUnderBig).toBeGreaterThan(300);
  });

  it('gives the tree a fresh build gives, whatever edits led to the entry set', async () => {
    const next = random(42);
    const options = { leafFanout: 16, branchFanout: 4 };
    const { store, index } = newIndex(options);
    const files = new Map(syntheticPaths(4000).map((path) => [path, entry(path)]));
    let root = (await index.build([...files.values()])).root;

    for (let batch = 0; batch < 30; batch++) {
      const changes = new Map<string, TreeChange>();
      for (let i = 0; i < 20; i++) {
        const path =
          next() < 0.5
            ? [...files.keys()][Math.floor(next() * files.size)]!
            : `/d${Math.floor(next() * 20)}/n${batch}-${i}`;
        if (next() < 0.4) {
          changes.set(path, del(path));
          files.delete(path);
        } else {
          changes.set(path, put(path, batch));
          files.set(path, entry(path, batch));
        }
      }
      root = (
        await index.apply(
          root,
          [...changes.values()].sort((a, b) => (a.path < b.path ? -1 : 1)),
        )
      ).root;
    }

    const fresh = await new FileIndex(store, options).build(
      [...files.values()].sort((a, b) => (a.path < b.path ? -1 : 1)),
    );
    expect(root).toBe(fresh.root);
  });

  it('keeps leaves full when files are appended at the end one commit at a time', async () => {
    const { store, index } = newIndex({ leafFanout: 16, branchFanout: 4 });
    let root = (await index.build([])).root;
    const logs: string[] = [];
    for (let i = 0; i < 400; i++) {
      const path = `/logs/${String(i).padStart(6, '0')}.log`;
      logs.push(path);
      root = (await index.apply(root, [put(path)])).root;
    }

    const fresh = await new FileIndex(store, { leafFanout: 16, branchFanout: 4 }).build(
      logs.map((path) => entry(path, 1)),
    );
    expect(root).toBe(fresh.root);
  });
});

/** Nodes from the root to a leaf: what a lookup reads from a cold cache. */
async function nodesPerLookup(store: ObjectStore, root: ObjectHash, path: string): Promise<number> {
  const fresh = new FileIndex(store);
  await fresh.get(root, p(path));
  return fresh.stats.reads;
}
