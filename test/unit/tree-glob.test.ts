import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../versioning/errors.ts';
import { FileIndex } from '../../versioning/tree/index.ts';
import { collect, entry, newIndex, syntheticPaths } from './tree-fixtures.ts';

const FILES = [
  '/.hidden',
  '/a/1.csv',
  '/a/2.txt',
  '/abc',
  '/b/3.csv',
  '/b/deep/4.csv',
  '/c/5.csv',
  '/data/1.txt',
  '/data/10.txt',
  '/data/x.txt',
  '/data/y.csv',
  '/data/z/w.csv',
  '/top.csv',
];

async function glob(pattern: string): Promise<string[]> {
  const { index } = newIndex({ leafFanout: 2, branchFanout: 2, minItems: 1 });
  const tree = await index.build(FILES.map((path) => entry(path)));
  return (await collect(index.glob(tree.root, pattern))).map((item) => `${item.type} ${item.path}`);
}

describe('FileIndex.glob (Pachyderm patterns)', () => {
  it("'/*' gives the top-level files and directories, dotfiles included", async () => {
    expect(await glob('/*')).toEqual([
      'file /.hidden',
      'dir /a',
      'file /abc',
      'dir /b',
      'dir /c',
      'dir /data',
      'file /top.csv',
    ]);
  });

  it("'/**' gives every file and directory", async () => {
    expect(await glob('/**')).toEqual([
      'file /.hidden',
      'dir /a',
      'file /a/1.csv',
      'file /a/2.txt',
      'file /abc',
      'dir /b',
      'file /b/3.csv',
      'dir /b/deep',
      'file /b/deep/4.csv',
      'dir /c',
      'file /c/5.csv',
      'dir /data',
      'file /data/1.txt',
      'file /data/10.txt',
      'file /data/x.txt',
      'file /data/y.csv',
      'dir /data/z',
      'file /data/z/w.csv',
      'file /top.csv',
    ]);
  });

  it.each([
    ['/*/*.csv', ['file /a/1.csv', 'file /b/3.csv', 'file /c/5.csv', 'file /data/y.csv']],
    ['/{a,b}/*', ['file /a/1.csv', 'file /a/2.txt', 'file /b/3.csv', 'dir /b/deep']],
    ['/data/?.txt', ['file /data/1.txt', 'file /data/x.txt']],
    ['/[ab]*', ['dir /a', 'file /abc', 'dir /b']],
    ['/data/**.csv', ['file /data/y.csv', 'file /data/z/w.csv']],
    ['/b/**', ['dir /b', 'file /b/3.csv', 'dir /b/deep', 'file /b/deep/4.csv']],
    ['/data', ['dir /data']],
    ['/data/z/w.csv', ['file /data/z/w.csv']],
    ['/', ['dir /']],
    ['/nothing/*', []],
    ['data/*.csv', ['file /data/y.csv']],
  ])('%s', async (pattern, expected) => {
    expect(await glob(pattern)).toEqual(expected);
  });

  it('gives directory totals', async () => {
    const { index } = newIndex();
    const tree = await index.build(FILES.map((path) => entry(path)));

    const [b] = await collect(index.glob(tree.root, '/b'));

    expect(b).toEqual({
      type: 'dir',
      path: '/b',
      fileCount: 2,
      totalBytes: entry('/b/3.csv').size + entry('/b/deep/4.csv').size,
    });
  });

  it('rejects a pattern it cannot compile, naming it', async () => {
    const { index } = newIndex();
    const tree = await index.build([]);

    await expect(collect(index.glob(tree.root, '/a**b**c**d**e**f'))).rejects.toThrow(InvalidArgumentError);
  });

  it("reads O(depth) nodes per top-level item for '/*', not the files below", async () => {
    const { store, index } = newIndex({ leafFanout: 16, branchFanout: 8 });
    const tree = await index.build(syntheticPaths(50_000).map((path) => entry(path)));
    const totalNodes = index.stats.writes;
    const fresh = new FileIndex(store);

    const items = await collect(fresh.glob(tree.root, '/*'));

    expect(items).toHaveLength(17);
    expect(items[0]).toMatchObject({ type: 'dir', path: '/d00', fileCount: 2942 });
    expect(fresh.stats.reads).toBeLessThan(17 * 6);
    expect(totalNodes).toBeGreaterThan(2000);
  });

  it('skips directories whose names fail a segment before any read below them', async () => {
    const { store, index } = newIndex({ leafFanout: 16, branchFanout: 8 });
    const tree = await index.build(syntheticPaths(50_000).map((path) => entry(path)));
    const fresh = new FileIndex(store);

    const items = await collect(fresh.glob(tree.root, '/d03/e07/*'));

    expect(items.length).toBeGreaterThan(100);
    expect(fresh.stats.reads).toBeLessThan(40);
  });
});
