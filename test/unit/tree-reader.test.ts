import { describe, expect, it } from 'vitest';
import { parseFilePath } from '../../versioning/ids.ts';
import { FileIndex } from '../../versioning/tree/index.ts';
import { collect, entry, newIndex, p, syntheticPaths } from './tree-fixtures.ts';

const ROOT = parseFilePath('/', { allowRoot: true });
const FILES = ['/data', '/data-x/e', '/data.csv', '/data/a.txt', '/data/b/c.txt', '/data/b/d.txt', '/z'];

async function smallTree() {
  const { store, index } = newIndex({ leafFanout: 2, branchFanout: 2, minItems: 1 });
  const tree = await index.build(FILES.map((path) => entry(path)));
  return { store, index, root: tree.root };
}

describe('FileIndex reads', () => {
  it('gets a file by path, and nothing for a directory or a missing path', async () => {
    const { index, root } = await smallTree();

    expect(await index.get(root, p('/data/b/c.txt'))).toEqual(entry('/data/b/c.txt'));
    expect(await index.get(root, p('/data/b'))).toBeUndefined();
    expect(await index.get(root, p('/a'))).toBeUndefined();
    expect(await index.get(root, p('/zz'))).toBeUndefined();
  });

  it('walks entries from a start, under a prefix', async () => {
    const { index, root } = await smallTree();
    const walk = async (options: Parameters<FileIndex['walk']>[1]) =>
      (await collect(index.walk(root, options))).map((e) => e.path);

    expect(await walk({})).toEqual(FILES);
    expect(await walk({ prefix: '/data/' })).toEqual(['/data/a.txt', '/data/b/c.txt', '/data/b/d.txt']);
    expect(await walk({ prefix: '/data' })).toEqual(FILES.slice(0, 6));
    expect(await walk({ from: '/data/b/c.txt' })).toEqual(FILES.slice(4));
    expect(await walk({ after: '/data/b/c.txt' })).toEqual(FILES.slice(5));
    expect(await walk({ prefix: '/data/', after: '/data/b/d.txt' })).toEqual([]);
  });

  it("lists a directory's files and subdirectories once each, in entry order, with directory totals", async () => {
    const { index, root } = await smallTree();

    const top = await collect(index.listDir(root, ROOT));
    const data = await collect(index.listDir(root, p('/data')));

    expect(top.map((item) => `${item.type} ${item.path}`)).toEqual([
      'file /data',
      'dir /data-x',
      'file /data.csv',
      'dir /data',
      'file /z',
    ]);
    expect(data).toEqual([
      { type: 'file', path: '/data/a.txt', entry: entry('/data/a.txt') },
      {
        type: 'dir',
        path: '/data/b',
        fileCount: 2,
        totalBytes: entry('/data/b/c.txt').size + entry('/data/b/d.txt').size,
      },
    ]);
    expect(await collect(index.listDir(root, p('/nothing')))).toEqual([]);
  });

  it('stats files and directories; a path can be both, and the file wins', async () => {
    const { index, root } = await smallTree();

    expect(await index.stat(root, p('/data'))).toMatchObject({ type: 'file', path: '/data' });
    expect(await index.stat(root, p('/data/b'))).toEqual({
      type: 'dir',
      path: '/data/b',
      fileCount: 2,
      totalBytes: entry('/data/b/c.txt').size + entry('/data/b/d.txt').size,
    });
    expect(await index.stat(root, ROOT)).toMatchObject({ type: 'dir', path: '/', fileCount: FILES.length });
    expect(await index.stat(root, p('/dat'))).toBeUndefined();
    expect(await index.dirExists(root, p('/data'))).toBe(true);
    expect(await index.dirExists(root, p('/data.csv'))).toBe(false);
    expect(await index.dirExists(root, p('/dat'))).toBe(false);
  });

  it('answers on the empty tree', async () => {
    const { index } = newIndex();
    const root = await index.emptyRoot();

    expect(await index.get(root, p('/a'))).toBeUndefined();
    expect(await collect(index.listDir(root, ROOT))).toEqual([]);
    expect(await index.stat(root, ROOT)).toEqual({ type: 'dir', path: '/', fileCount: 0, totalBytes: 0 });
    expect(await index.dirExists(root, p('/a'))).toBe(false);
  });

  it('reads one node per level for a lookup', async () => {
    const { store, index } = newIndex({ leafFanout: 8, branchFanout: 4 });
    const paths = syntheticPaths(20_000);
    const tree = await index.build(paths.map((path) => entry(path)));
    const fresh = new FileIndex(store);

    await fresh.get(tree.root, p(paths[12_345]!));
    const depth = fresh.stats.reads;
    await fresh.get(tree.root, p(paths[3]!));

    expect(depth).toBeGreaterThanOrEqual(5);
    expect(fresh.stats.reads).toBeLessThanOrEqual(2 * depth);
  });

  it('lists three huge subdirectories with a seek past each, not a scan', async () => {
    const { store, index } = newIndex({ leafFanout: 16, branchFanout: 8 });
    const paths = ['a', 'b', 'c'].flatMap((dir) => syntheticPaths(20_000, `/top/${dir}`)).sort();
    const tree = await index.build([...paths, '/top/readme'].sort().map((path) => entry(path)));
    const totalNodes = index.stats.writes;
    const fresh = new FileIndex(store);

    const items = await collect(fresh.listDir(tree.root, p('/top')));

    expect(items.map((item) => `${item.type} ${item.path}`)).toEqual([
      'dir /top/a',
      'dir /top/b',
      'dir /top/c',
      'file /top/readme',
    ]);
    expect(items[0]).toMatchObject({ fileCount: 20_000 });
    expect(totalNodes).toBeGreaterThan(3000);
    // Root to leaf for each row and for the seek past it: O(depth × rows).
    expect(fresh.stats.reads).toBeLessThan(40);
  });
});
