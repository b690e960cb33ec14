import { describe, expect, it } from 'vitest';
import { MemoryObjectStore } from '../../adapters/memory/index.ts';
import { DeltaRunWriter, mergeRuns, readRun, sortRun } from '../../versioning/graph/staging.ts';
import { parseFileHash, parseFilePath } from '../../versioning/ids.ts';
import type { TreeChange } from '../../versioning/tree/types.ts';

const hash = parseFileHash('0'.repeat(64));
const put = (path: string): TreeChange => ({
  kind: 'put',
  path: parseFilePath(path),
  entry: { path: parseFilePath(path), size: 0, hash, content: { kind: 'chunks', chunks: [] } },
});
const del = (path: string): TreeChange => ({ kind: 'delete', path: parseFilePath(path) });
const delDir = (path: string): TreeChange => ({
  kind: 'delete-dir',
  path: parseFilePath(path, { allowRoot: true }),
});

async function merged(...runs: TreeChange[][]): Promise<string[]> {
  const out: string[] = [];
  for await (const change of mergeRuns(runs.map(sortRun))) out.push(`${change.kind} ${change.path}`);
  return out;
}

describe('mergeRuns', () => {
  it('lets the later run win for the same path', async () => {
    expect(await merged([put('/a')], [del('/a')])).toEqual(['delete /a']);
  });

  it("drops an earlier run's changes under a directory a later run removed", async () => {
    expect(await merged([put('/d/x'), put('/d-e'), put('/e')], [delDir('/d')])).toEqual([
      'put /d-e',
      'delete-dir /d',
      'put /e',
    ]);
  });

  it('keeps a later put under a directory an earlier run removed', async () => {
    expect(await merged([delDir('/d')], [put('/d/new')])).toEqual(['delete-dir /d', 'put /d/new']);
  });

  it('keeps both the delete of a file and of a directory of the same name', async () => {
    expect(await merged([del('/a'), delDir('/a')])).toEqual(['delete /a', 'delete-dir /a']);
  });

  it('removes everything earlier when the root is removed', async () => {
    expect(await merged([put('/a'), put('/b/c')], [delDir('/')], [put('/z')])).toEqual([
      'delete-dir /',
      'put /z',
    ]);
  });
});

describe('DeltaRunWriter', () => {
  it('cuts sorted runs of the given size and reads them back', async () => {
    const objects = new MemoryObjectStore();
    const writer = new DeltaRunWriter(objects, { runSize: 2 });
    for (const path of ['/c', '/a', '/b']) await writer.add(put(path));

    const keys = await writer.finish();
    const runs: string[][] = [];
    for (const key of keys) {
      const run: string[] = [];
      for await (const change of readRun(objects, key)) run.push(change.path);
      runs.push(run);
    }

    expect(runs).toEqual([['/a', '/c'], ['/b']]);
  });
});

describe('readRun', () => {
  it('streams a run larger than its read window, line by line, across window edges', async () => {
    const objects = new MemoryObjectStore();
    const writer = new DeltaRunWriter(objects, { runSize: 100_000 });
    const count = 30_000;
    for (let n = 0; n < count; n++) await writer.add(put(`/dir/file-${String(n).padStart(6, '0')}.txt`));
    const [key] = await writer.finish();
    expect((await objects.head(key!))!.size).toBeGreaterThan(2 * 1024 * 1024);

    const seen: string[] = [];
    for await (const change of readRun(objects, key!)) seen.push(change.path);

    expect(seen).toHaveLength(count);
    expect(seen[0]).toBe('/dir/file-000000.txt');
    expect(seen[count - 1]).toBe(`/dir/file-${String(count - 1).padStart(6, '0')}.txt`);
  });
});
