/**
 * Random batches of puts, deletes and delete-dirs applied to a tree and to a plain Map; after each
 * batch every read of the tree must agree with the Map, and the tree must be the one a fresh build
 * of the Map's entries gives (history independence). Small fanouts make deep trees of few files;
 * the path alphabet makes the awkward neighbours ('/a', '/a-b', '/a.b', '/a/…') common.
 */
import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import { type ObjectHash, parseFilePath } from '../../versioning/ids.ts';
import { nodeKey } from '../../versioning/object-keys.ts';
import type { FileIndexOptions, TreeChange, TreeDifference } from '../../versioning/tree/index.ts';
import { FileIndex } from '../../versioning/tree/index.ts';
import { collect, entry, ModelTree, newIndex, p, random } from './tree-fixtures.ts';

const NAMES = ['a', 'b', 'a-b', 'a.b', 'c', '.x', 'é', '😀', 'a b'];
const GLOBS = [
  '/*',
  '/**',
  '/*/*',
  '/*/*/*',
  '/a/*',
  '/{a,b}/*',
  '/[ab]*',
  '/?',
  '/a*/**',
  '/*/a',
  '/.x/**',
  '/**/b',
  '/a/**/*.b',
  '/a/b',
  '/a-b/**',
  '/{a/b,c}',
  '/*/{a,c}/**',
];

function randomPath(next: () => number): string {
  const depth = 1 + Math.floor(next() * 4);
  let path = '';
  for (let i = 0; i < depth; i++) path += `/${NAMES[Math.floor(next() * NAMES.length)]}`;
  return path;
}

function randomBatch(next: () => number, model: ModelTree, version: number): TreeChange[] {
  const byPath = new Map<string, TreeChange>();
  const existing = [...model.files.keys()];
  const size = 1 + Math.floor(next() * (next() < 0.2 ? 60 : 8));
  for (let i = 0; i < size; i++) {
    const roll = next();
    const path =
      roll < 0.5 && existing.length > 0 ? existing[Math.floor(next() * existing.length)]! : randomPath(next);
    if (roll < 0.15) byPath.set(path, { kind: 'delete', path: p(path) });
    else if (roll < 0.25) byPath.set(path, { kind: 'delete-dir', path: p(path) });
    else byPath.set(path, { kind: 'put', path: p(path), entry: entry(path, version) });
  }
  return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
}

function modelDiff(before: ModelTree, after: ModelTree): TreeDifference[] {
  const paths = new Set([...before.files.keys(), ...after.files.keys()]);
  const out: TreeDifference[] = [];
  for (const path of [...paths].sort()) {
    const a = before.files.get(path);
    const b = after.files.get(path);
    if (a?.hash === b?.hash && a?.size === b?.size) continue;
    out.push({ path: p(path), ...(a ? { before: a } : {}), ...(b ? { after: b } : {}) });
  }
  return out;
}

function modelGlob(model: ModelTree, pattern: string) {
  const matches = picomatch(pattern, { dot: true, nonegate: true });
  return model.items().filter((item) => matches(item.path));
}

async function checkAgainstModel(index: FileIndex, tree: ObjectHash, model: ModelTree, next: () => number) {
  const sorted = model.sorted();
  expect(await collect(index.walk(tree))).toEqual(sorted);
  const summary = await index.summary(tree);
  expect(summary.fileCount).toBe(sorted.length);
  expect(summary.totalBytes).toBe(sorted.reduce((sum, e) => sum + e.size, 0));

  const items = model.items();
  for (let i = 0; i < 6; i++) {
    const path = randomPath(next);
    expect(await index.get(tree, p(path))).toEqual(model.files.get(path));
    const dir =
      items.filter((item) => item.type === 'dir')[Math.floor(next() * items.length)]?.path ?? p(path);
    const prefix = `${dir}/`;
    const children = items.filter(
      (item) => item.path.startsWith(prefix) && !item.path.slice(prefix.length).includes('/'),
    );
    expect(await collect(index.listDir(tree, dir))).toEqual(children);
    expect(await index.dirExists(tree, dir)).toBe(items.some((item) => item.path.startsWith(prefix)));
    const stat = await index.stat(tree, dir);
    const type = model.files.has(dir) ? 'file' : 'dir';
    expect(stat).toEqual(items.find((item) => item.path === dir && item.type === type));
    expect(await collect(index.walk(tree, { prefix }))).toEqual(
      sorted.filter((e) => e.path.startsWith(prefix)),
    );
    expect(await collect(index.walk(tree, { after: path }))).toEqual(sorted.filter((e) => e.path > path));
  }
  const rootChildren = items.filter((item) => !item.path.slice(1).includes('/'));
  expect(await collect(index.listDir(tree, parseFilePath('/', { allowRoot: true })))).toEqual(rootChildren);
  for (const pattern of GLOBS) {
    expect(await collect(index.glob(tree, pattern)), pattern).toEqual(modelGlob(model, pattern));
  }
}

async function runModel(seed: number, options: FileIndexOptions, batches: number) {
  const next = random(seed);
  const { store, index } = newIndex(options);
  const model = new ModelTree();
  let root = (await index.build([])).root;
  for (let version = 1; version <= batches; version++) {
    const before = new ModelTree(model.files.values());
    const changes = randomBatch(next, model, version);
    const applied = await index.apply(root, changes);
    model.apply(changes);

    expect(await collect(index.diff(root, applied.root))).toEqual(modelDiff(before, model));
    expect(await collect(index.diff(applied.root, root))).toEqual(
      modelDiff(model, before).map((d) => ({
        path: d.path,
        ...(d.before ? { before: d.before } : {}),
        ...(d.after ? { after: d.after } : {}),
      })),
    );
    for (const prefix of ['/a', '/a/', `/${NAMES[version % NAMES.length]}/`]) {
      expect(await collect(index.diff(root, applied.root, { prefix }))).toEqual(
        modelDiff(before, model).filter((d) => d.path.startsWith(prefix)),
      );
    }
    const rebuilt = await new FileIndex(store, options).build(model.sorted());
    expect(applied.root, `batch ${version}: edits and a fresh build disagree`).toBe(rebuilt.root);
    if (applied.fileCount > 0) expect(await store.head(nodeKey(applied.root))).toBeDefined();
    root = applied.root;
    await checkAgainstModel(new FileIndex(store, options), root, model, next);
  }
}

describe('file index against a plain Map', () => {
  it.each([1, 2, 3, 4])('agrees after random batches on a deep tree (seed %i)', async (seed) => {
    await runModel(seed, { leafFanout: 3, branchFanout: 2, minItems: 1 }, 80);
  });

  it('agrees when each node pack holds a few nodes', async () => {
    await runModel(5, { leafFanout: 3, branchFanout: 2, minItems: 1, maxPackBytes: 400 }, 40);
  });

  it('agrees when the size cap cuts most nodes', async () => {
    await runModel(7, { leafFanout: 64, branchFanout: 64, minItems: 2, maxNodeBytes: 1024 }, 40);
  });

  it('agrees with the default parameters', async () => {
    await runModel(11, {}, 25);
  });
});
