import { describe, expect, it } from 'vitest';
import { CorruptDataError, InvalidArgumentError, NotFoundError } from '../../versioning/errors.ts';
import { parseFilePath, parseRepoName } from '../../versioning/ids.ts';
import { parseBranchRef, parseCommitRef, parseFileRef } from '../../versioning/refs.ts';
import { memoryService, paths, put, readText } from '../harness/memory-service.ts';

async function withFiles() {
  const env = memoryService();
  await env.service.createRepo(parseRepoName('docs'));
  await put(env.service, 'docs@master', {
    '/readme.md': 'hello',
    '/data/a.csv': 'a,1',
    '/data/b.csv': 'b,2',
    '/data/raw/c.json': '{}',
    '/data-notes.txt': 'notes',
  });
  return env;
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('reading files', () => {
  it('lists a directory with files and implied subdirectories, with directory totals', async () => {
    const { service } = await withFiles();

    const rows = await collect(service.listFiles(parseFileRef('docs@master:/data')));

    expect(rows.map((r) => [r.path, r.type, r.size])).toEqual([
      ['/data/a.csv', 'file', 3],
      ['/data/b.csv', 'file', 3],
      ['/data/raw', 'dir', 2],
    ]);
  });

  it('globs files and directories with Pachyderm patterns', async () => {
    const { service } = await withFiles();
    const glob = async (pattern: string) =>
      (await collect(service.globFiles(parseCommitRef('docs@master'), pattern))).map((f) => f.path);

    expect(await glob('/*')).toEqual(['/data-notes.txt', '/data', '/readme.md']);
    expect(await glob('/data/*.csv')).toEqual(['/data/a.csv', '/data/b.csv']);
    expect(await glob('/**.json')).toEqual(['/data/raw/c.json']);
  });

  it('reads a byte range of a file', async () => {
    const { service } = await withFiles();
    const parts = await collect(
      service.readFile(parseFileRef('docs@master:/readme.md'), { offset: 1, length: 3 }),
    );
    expect(Buffer.concat(parts).toString()).toBe('ell');
  });

  it('refuses to read a directory as a file and names a missing path', async () => {
    const { service } = await withFiles();
    await expect(readText(service, 'docs@master:/data')).rejects.toThrow(InvalidArgumentError);
    await expect(readText(service, 'docs@master:/nope.txt')).rejects.toThrow(/file \/nope.txt not found/);
  });

  it('refuses to return bytes of a corrupted pack', async () => {
    const { service, objects } = await withFiles();
    const page = await objects.list('packs/');
    for (const { key } of page.items) {
      const bytes = await objects.get(key);
      bytes[0] = bytes[0]! ^ 0xff;
      await objects.delete(key);
      await objects.putIfAbsent(key, bytes);
    }

    await expect(readText(service, 'docs@master:/readme.md')).rejects.toThrow(CorruptDataError);
  });
});

describe('writing files', () => {
  it('deletes a directory recursively and leaves its look-alike siblings', async () => {
    const { service } = await withFiles();

    await service.deleteFiles(parseCommitRef('docs@master'), [parseFilePath('/data')]);

    expect(await paths(service, 'docs@master')).toEqual(['/data-notes.txt', '/readme.md']);
  });

  it('refuses to delete a path that does not exist, changing nothing', async () => {
    const { service } = await withFiles();
    const before = await service.inspectCommit(parseCommitRef('docs@master'));

    await expect(
      service.deleteFiles(parseCommitRef('docs@master'), [parseFilePath('/missing')]),
    ).rejects.toThrow(NotFoundError);

    expect((await service.inspectCommit(parseCommitRef('docs@master'))).id).toBe(before.id);
  });

  it('copies a directory to another repo without storing new content', async () => {
    const { service, objects } = await withFiles();
    await service.createRepo(parseRepoName('archive'));
    const packsBefore = (await objects.list('packs/')).items.length;

    await service.copyFiles(
      parseFileRef('docs@master:/data'),
      parseCommitRef('archive@master'),
      parseFilePath('/2024'),
    );

    expect(await paths(service, 'archive@master')).toEqual([
      '/2024/a.csv',
      '/2024/b.csv',
      '/2024/raw/c.json',
    ]);
    expect(await readText(service, 'archive@master:/2024/raw/c.json')).toBe('{}');
    expect((await objects.list('packs/')).items.length).toBe(packsBefore);
  });

  it('appends to an existing file', async () => {
    const { service } = await withFiles();
    await service.putFiles(
      parseCommitRef('docs@master'),
      [
        {
          path: parseFilePath('/readme.md'),
          open: async function* () {
            yield new TextEncoder().encode(' world');
          },
        },
      ],
      { append: true },
    );
    expect(await readText(service, 'docs@master:/readme.md')).toBe('hello world');
  });

  it('de-duplicates identical content written again under another name', async () => {
    const { service } = await withFiles();
    const payload = new Uint8Array(300_000).map((_, i) => (i * 7919) % 251);
    const first = await put(service, 'docs@master', { '/blob-1': payload });
    const second = await put(service, 'docs@master', { '/blob-2': payload });
    expect(first.newBytes).toBeGreaterThan(0);
    expect(second.newBytes).toBe(0);
  });
});

describe('diff', () => {
  it('reports added, modified and deleted files against the parent by default', async () => {
    const { service } = await withFiles();
    await service.startCommit(parseBranchRef('docs@master'));
    await put(service, 'docs@master', { '/readme.md': 'changed', '/new.txt': 'new' });
    await service.deleteFiles(parseCommitRef('docs@master'), [parseFilePath('/data/b.csv')]);
    await service.finishCommit(parseCommitRef('docs@master'));

    const changes = await collect(
      service.diffFiles(parseFileRef('docs@master', { defaultPath: '/', allowRoot: true })),
    );

    expect(changes.map((c) => [c.change, c.path])).toEqual([
      ['deleted', '/data/b.csv'],
      ['added', '/new.txt'],
      ['modified', '/readme.md'],
    ]);
  });
});

describe('diff of a directory', () => {
  it('keeps to the directory and leaves look-alike siblings out', async () => {
    const { service } = await withFiles();
    await put(service, 'docs@master', { '/data/a.csv': 'changed', '/data-notes.txt': 'changed too' });

    const changes = await collect(service.diffFiles(parseFileRef('docs@master:/data')));

    expect(changes.map((c) => [c.change, c.path])).toEqual([['modified', '/data/a.csv']]);
  });
});
