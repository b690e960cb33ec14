import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CorruptDataError, InvalidArgumentError } from '../../versioning/errors.ts';
import { type ObjectHash, parseObjectHash } from '../../versioning/ids.ts';
import { nodeKey } from '../../versioning/object-keys.ts';
import type { ObjectStore } from '../../versioning/ports.ts';
import { FileIndex } from '../../versioning/tree/index.ts';
import { collect, entry, newIndex, p, rewrite, storedNodes, syntheticPaths } from './tree-fixtures.ts';

const utf8 = new TextEncoder();

/** A stored node made by hand: its JSON header, a newline, then its hashes (hex) as raw bytes. */
async function storeRaw(store: ObjectStore, header: object, hashes = ''): Promise<ObjectHash> {
  const bytes = Buffer.concat([utf8.encode(`${JSON.stringify(header)}\n`), Buffer.from(hashes, 'hex')]);
  const hash = parseObjectHash(createHash('sha256').update(bytes).digest('hex'));
  await store.putIfAbsent(nodeKey(hash), bytes);
  return hash;
}

describe('TreeWriter', () => {
  it('stores the empty tree as one empty leaf', async () => {
    const { store, index } = newIndex();

    const summary = await index.writer().finish();

    expect(summary).toMatchObject({ fileCount: 0, totalBytes: 0 });
    expect(await store.head(nodeKey(summary.root))).toBeDefined();
    expect(await index.emptyRoot()).toBe(summary.root);
    expect(await collect(index.walk(summary.root))).toEqual([]);
  });

  it('answers file count and total bytes from the root node alone', async () => {
    const { store, index } = newIndex({ leafFanout: 8, branchFanout: 4 });
    const entries = syntheticPaths(3000).map((path) => entry(path));
    const built = await index.build(entries);

    const fresh = new FileIndex(store);
    const summary = await fresh.summary(built.root);

    expect(summary.fileCount).toBe(3000);
    expect(summary.totalBytes).toBe(entries.reduce((sum, e) => sum + e.size, 0));
    expect(fresh.stats.reads).toBe(1);
  });

  it('names every node by the SHA-256 of its bytes, less child locations, and puts a root above several levels', async () => {
    const { store, index } = newIndex({ leafFanout: 8, branchFanout: 4 });
    const summary = await index.build(syntheticPaths(3000).map((path) => entry(path)));

    const nodes = await storedNodes(store, summary.root);
    for (const { hash, named } of nodes) {
      expect(createHash('sha256').update(named).digest('hex')).toBe(hash);
    }
    expect(nodes[0]?.key).toBe(nodeKey(summary.root));
    expect(nodes[0]?.level).toBeGreaterThanOrEqual(3);
  });

  it('keeps leaves near the target size', async () => {
    const { store, index } = newIndex({ leafFanout: 32, branchFanout: 8, minItems: 4 });
    const summary = await index.build(syntheticPaths(20_000).map((path) => entry(path)));

    const leaves = (await storedNodes(store, summary.root)).filter((node) => node.level === 0);
    const mean = 20_000 / leaves.length;

    // Mean of a 1-in-32 cut after at least 4 entries: about 35.
    expect(mean).toBeGreaterThan(25);
    expect(mean).toBeLessThan(45);
  });

  it('ends nodes at the size cap whatever the paths hash to', async () => {
    const { store, index } = newIndex({ leafFanout: 1 << 20, branchFanout: 1 << 20, maxNodeBytes: 4096 });
    const paths = syntheticPaths(2000);
    const summary = await index.build(paths.map((path) => entry(path)));

    // The cap counts the named bytes; a branch's child locations come on top.
    for (const { named } of await storedNodes(store, summary.root)) {
      expect(named.byteLength).toBeLessThan(4096 + 512);
    }
    expect((await collect(index.walk(summary.root))).map((e) => e.path)).toEqual(paths);
  });

  it('narrows to one root when a single reference exceeds the size cap', async () => {
    const { index } = newIndex({ maxNodeBytes: 1024 });
    const long = 'x'.repeat(900);
    const paths = Array.from(
      { length: 200 },
      (_, i) => `/${long}/${String(i).padStart(4, '0')}/${long}${long}`,
    );

    const summary = await index.build(paths.map((path) => entry(path)));

    expect(summary.fileCount).toBe(200);
    expect((await collect(index.walk(summary.root))).map((e) => e.path)).toEqual(paths);
  });

  it('rejects an entry that does not sort after the previous one, naming both paths', async () => {
    const { index } = newIndex();
    const writer = index.writer();
    await writer.append(entry('/b'));

    await expect(writer.append(entry('/a'))).rejects.toThrow(InvalidArgumentError);
    await expect(writer.append(entry('/a'))).rejects.toThrow(/"\/a" came after "\/b"/);
  });

  it('rejects a path given twice', async () => {
    const { index } = newIndex();

    await expect(index.build([entry('/a'), entry('/a', 1)])).rejects.toThrow(InvalidArgumentError);
  });

  it('refuses to append once finished', async () => {
    const { index } = newIndex();
    const writer = index.writer();
    await writer.finish();

    await expect(writer.append(entry('/a'))).rejects.toThrow(InvalidArgumentError);
  });

  it('rejects sizes that JSON cannot hold exactly', async () => {
    const { index } = newIndex();

    await expect(index.build([{ ...entry('/a'), size: 2 ** 60 }])).rejects.toThrow(InvalidArgumentError);
  });
});

const LEAF_OF_A = { format: 1, level: 0, paths: [0, '/a'], sizes: [1], packs: [], content: [0, 0] };
const HASH = 'ab'.repeat(32);

describe('node decoding', () => {
  async function treeWithLeaves() {
    const { store, index } = newIndex({ leafFanout: 8, branchFanout: 4 });
    const paths = syntheticPaths(500);
    const summary = await index.build(paths.map((path) => entry(path)));
    return { store, summary, paths };
  }

  it('refuses a node whose bytes no longer hash to its name', async () => {
    const { store, summary, paths } = await treeWithLeaves();
    const leaf = (await storedNodes(store, summary.root)).find((node) => node.level === 0)!;
    // A bit flipped in the leaf's bytes inside its node pack.
    await rewrite(store, leaf.key, (bytes) => {
      const at = (leaf.range?.offset ?? 0) + leaf.bytes.length - 10;
      bytes[at] = (bytes[at] ?? 0) ^ 1;
      return bytes;
    });
    const first = String(leaf.json.paths[1]);

    const fresh = new FileIndex(store);

    await expect(fresh.get(summary.root, p(first))).rejects.toThrow(CorruptDataError);
    await expect(collect(fresh.walk(summary.root))).rejects.toThrow(/hash to/);
    expect(paths).toContain(first);
  });

  it('refuses a well-named node whose columns do not add up', async () => {
    const { store } = newIndex();
    const noHashes = await storeRaw(store, LEAF_OF_A);
    const noSizes = await storeRaw(store, { ...LEAF_OF_A, sizes: [] }, HASH);
    const noHeader = parseObjectHash(createHash('sha256').update('{}').digest('hex'));
    await store.putIfAbsent(nodeKey(noHeader), utf8.encode('{}'));

    const badContent = await storeRaw(store, { ...LEAF_OF_A, content: [7, 0] }, HASH);

    await expect(new FileIndex(store).get(noHashes, p('/a'))).rejects.toThrow(/fewer than the entries/);
    await expect(new FileIndex(store).get(badContent, p('/a'))).rejects.toThrow(/unknown content layout/);
    await expect(new FileIndex(store).get(noSizes, p('/a'))).rejects.toThrow(/sizes column/);
    await expect(new FileIndex(store).get(noHeader, p('/a'))).rejects.toThrow(/no header line/);
  });

  it('refuses a well-named leaf whose paths are out of order', async () => {
    const { store } = newIndex();
    const hash = await storeRaw(
      store,
      { ...LEAF_OF_A, paths: [0, '/b', 0, '/a'], sizes: [1, 1], content: [0, 0, 0, 0] },
      HASH + HASH,
    );

    await expect(new FileIndex(store).summary(hash)).rejects.toThrow(/does not sort after/);
  });

  it('refuses a path that is not canonical when it is handed out', async () => {
    const { store } = newIndex();
    const hash = await storeRaw(store, { ...LEAF_OF_A, paths: [0, '/a//b'] }, HASH);

    await expect(collect(new FileIndex(store).walk(hash))).rejects.toThrow(/not a canonical file path/);
  });

  it("refuses a child that does not match its parent's reference", async () => {
    const { store, index } = newIndex();
    const leaf = await index.build([entry('/a'), entry('/b')]);
    const hash = await storeRaw(
      store,
      { format: 1, level: 1, paths: [0, '/a', 1, 'c'], counts: [2, 1] },
      leaf.root,
    );

    await expect(new FileIndex(store).get(hash, p('/b'))).rejects.toThrow(CorruptDataError);
  });
});
