/**
 * The file commands as a user types them: put (one file, a tree, several files, stdin, append),
 * list, glob, get (to stdout, to a file, a tree), diff, copy across repos and delete.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JSON_FIELDS } from '../../cli/format.ts';
import { commitInfo, diffList, fileInfo, fileList, putResult, StrataCli } from '../harness/cli.ts';

const csv = 'id,name\n1,tabby\n2,calico\n';
const blob = randomBytes(200_000);
/** Larger than the CLI's read-ahead threshold, so it is streamed from disk. */
const big = randomBytes(1_500_000);

/** The field names of the first element of a JSON array, as printed. */
function firstKeys(stdout: string): string[] {
  const value: unknown = JSON.parse(stdout);
  const first: unknown = Array.isArray(value) ? value[0] : undefined;
  return typeof first === 'object' && first !== null ? Object.keys(first) : [];
}

describe('strata file commands', () => {
  let cli: StrataCli;
  const paths = (files: readonly { path: string }[]) => files.map((file) => file.path);

  beforeAll(async () => {
    cli = await StrataCli.create();
    await mkdir(cli.path('in', 'sub'), { recursive: true });
    await writeFile(cli.path('in', 'a.csv'), csv);
    await writeFile(cli.path('in', 'sub', 'blob.bin'), blob);
    await writeFile(cli.path('big.bin'), big);
    await writeFile(cli.path('notes.txt'), 'first line\n');
    await cli.ok(['create', 'repo', 'images']);
  });

  afterAll(() => cli.dispose());

  it('puts one file at the given path, or at /<name> when the path is omitted or ends with /', async () => {
    const named = await cli.json(putResult, ['put', 'file', 'images@master:/data/big.bin', '-f', 'big.bin']);
    expect(Object.keys(named)).toEqual(JSON_FIELDS.put.split(', '));
    expect(named).toMatchObject({ files: 1, bytes: big.length, newBytes: big.length });
    expect(named.commit).toMatchObject({ state: 'finished', branch: 'master', fileCount: 1 });

    const plain = await cli.ok(['put', 'file', 'images@master', '-f', 'notes.txt']);
    expect(plain.stdout).toMatch(/^put 1 file, 11 B \(11 B new\) into images@master: commit [0-9a-f]{32}\n$/);
    await cli.ok(['put', 'file', 'images@master:/docs/', '-f', 'notes.txt']);

    const listed = await cli.json(fileList, ['glob', 'file', 'images@master:/**']);
    expect(paths(listed.filter((file) => file.type === 'file'))).toEqual([
      '/data/big.bin',
      '/docs/notes.txt',
      '/notes.txt',
    ]);
  });

  it('stores the same bytes a second time without storing them again', async () => {
    const again = await cli.json(putResult, [
      'put',
      'file',
      'images@master:/copy-of-big.bin',
      '-f',
      'big.bin',
    ]);
    expect(again).toMatchObject({ files: 1, bytes: big.length, newBytes: 0 });
  });

  it('puts a directory with -r under the path, keeping relative paths', async () => {
    const result = await cli.json(putResult, ['put', 'file', 'images@master:/tree', '-r', '-f', 'in']);
    expect(result).toMatchObject({ files: 2, bytes: csv.length + blob.length });
    const files = await cli.json(fileList, ['list', 'file', 'images@master:/tree/sub']);
    expect(paths(files)).toEqual(['/tree/sub/blob.bin']);
    const top = await cli.json(fileList, ['list', 'file', 'images@master:/tree']);
    expect(top.map((file) => [file.path, file.type])).toEqual([
      ['/tree/a.csv', 'file'],
      ['/tree/sub', 'dir'],
    ]);
  });

  it('puts several -f each under the path, by name', async () => {
    const result = await cli.json(putResult, [
      'put',
      'file',
      'images@master:/many',
      '-f',
      'notes.txt',
      '-f',
      'big.bin',
      '-r',
      '-f',
      'in',
    ]);
    expect(result.files).toBe(4);
    const files = await cli.json(fileList, ['glob', 'file', 'images@master:/many/**']);
    expect(paths(files.filter((file) => file.type === 'file'))).toEqual([
      '/many/big.bin',
      '/many/in/a.csv',
      '/many/in/sub/blob.bin',
      '/many/notes.txt',
    ]);
  });

  it('puts standard input at the path, and appends with -a', async () => {
    await cli.ok(['put', 'file', 'images@master:/stdin.txt', '-f', '-'], { input: 'from stdin\n' });
    await cli.ok(['put', 'file', 'images@master:/stdin.txt', '-f', '-', '-a'], { input: 'and more\n' });
    const got = await cli.ok(['get', 'file', 'images@master:/stdin.txt']);
    expect(got.stdout).toBe('from stdin\nand more\n');
  });

  it('lists the direct children of a directory, with sizes, as a table or JSON', async () => {
    const [json, table] = await Promise.all([
      cli.ok(['list', 'file', 'images@master', '--json']),
      cli.ok(['list', 'file', 'images@master:/tree']),
    ]);
    const root = fileList.parse(JSON.parse(json.stdout));
    expect(firstKeys(json.stdout)).toEqual(JSON_FIELDS.file.split(', '));
    expect(root.map((file) => [file.path, file.type])).toEqual([
      ['/copy-of-big.bin', 'file'],
      ['/data', 'dir'],
      ['/docs', 'dir'],
      ['/many', 'dir'],
      ['/notes.txt', 'file'],
      ['/stdin.txt', 'file'],
      ['/tree', 'dir'],
    ]);
    expect(root.find((file) => file.path === '/data')?.size).toBe(big.length);

    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^PATH\s+TYPE\s+SIZE$/);
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^\/tree\/a\.csv\s+file\s+25 B$/),
      expect.stringMatching(/^\/tree\/sub\/\s+dir\s+195 KiB$/),
    ]);
  });

  it('globs with * inside one directory and ** across directories', async () => {
    const [csvs, top] = await Promise.all([
      cli.json(fileList, ['glob', 'file', 'images@master:/**.csv']),
      cli.json(fileList, ['glob', 'file', 'images@master:/*.txt']),
    ]);
    expect(paths(csvs)).toEqual(['/many/in/a.csv', '/tree/a.csv']);
    expect(paths(top)).toEqual(['/notes.txt', '/stdin.txt']);
  });

  it('gets a file to stdout or -o with the exact bytes', async () => {
    const [out] = await Promise.all([
      cli.ok(['get', 'file', 'images@master:/tree/sub/blob.bin']),
      cli.ok(['get', 'file', 'images@master:/data/big.bin', '-o', 'big.out']),
    ]);
    expect(out.bytes.equals(blob)).toBe(true);
    expect((await readFile(cli.path('big.out'))).equals(big)).toBe(true);
  });

  it('gets a directory tree with -r -o, and refuses a directory without -r', async () => {
    const [, refused, noOut] = await Promise.all([
      cli.ok(['get', 'file', 'images@master:/many', '-r', '-o', 'many-out']),
      cli.run(['get', 'file', 'images@master:/many']),
      cli.run(['get', 'file', 'images@master:/many', '-r']),
    ]);
    expect((await readFile(cli.path('many-out', 'in', 'sub', 'blob.bin'))).equals(blob)).toBe(true);
    expect((await readFile(cli.path('many-out', 'big.bin'))).equals(big)).toBe(true);
    expect(await readFile(cli.path('many-out', 'notes.txt'), 'utf8')).toBe('first line\n');

    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      'strata: images@master:/many is a directory: add -r -o DIR to write it and everything under it\n',
    );
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toMatch(/add -o DIR/);
  });

  it('diffs a commit against its parent and two refs against each other', async () => {
    const lastJson = await cli.ok(['diff', 'file', 'images@master', '--json']);
    const last = diffList.parse(JSON.parse(lastJson.stdout));
    expect(firstKeys(lastJson.stdout)).toEqual(JSON_FIELDS.diff.split(', '));
    expect(last.map((diff) => [diff.path, diff.change])).toEqual([['/stdin.txt', 'modified']]);

    await cli.ok(['create', 'branch', 'images@edit', '--head', 'master']);
    await writeFile(cli.path('a2.csv'), `${csv}3,siamese\n`);
    await cli.ok(['put', 'file', 'images@edit:/tree/a.csv', '-f', 'a2.csv']);
    await cli.ok(['put', 'file', 'images@edit:/new.txt', '-f', 'notes.txt']);
    await cli.ok(['delete', 'file', 'images@edit:/docs/notes.txt']);

    const [changes, text, limited] = await Promise.all([
      cli.json(diffList, ['diff', 'file', 'images@edit', 'images@master']),
      cli.ok(['diff', 'file', 'images@edit', 'images@master']),
      cli.json(diffList, ['diff', 'file', 'images@edit:/tree', 'images@master:/tree']),
    ]);
    expect(changes.map((diff) => [diff.path, diff.change])).toEqual([
      ['/docs/notes.txt', 'deleted'],
      ['/new.txt', 'added'],
      ['/tree/a.csv', 'modified'],
    ]);
    const modified = changes.find((diff) => diff.change === 'modified');
    expect([modified?.before?.size, modified?.after?.size]).toEqual([csv.length, csv.length + 10]);

    expect(text.stdout).toBe(
      [
        '- /docs/notes.txt  (11 B)',
        '+ /new.txt  (11 B)',
        '~ /tree/a.csv  (25 B → 35 B)',
        '3 changes: 1 added, 1 deleted, 1 modified',
        '',
      ].join('\n'),
    );
    expect(paths(limited)).toEqual(['/tree/a.csv']);
  });

  it('copies a file and a tree into another repo without storing bytes again', async () => {
    await cli.ok(['create', 'repo', 'archive']);
    const copied = await cli.ok([
      'copy',
      'file',
      'images@master:/data/big.bin',
      'archive@master:/2024/big.bin',
    ]);
    expect(copied.stdout).toMatch(
      /^copied images@master:\/data\/big\.bin to archive@master:\/2024\/big\.bin: commit [0-9a-f]{32}\n$/,
    );
    await cli.ok(['copy', 'file', 'images@master:/tree', 'archive@master:/tree']);

    const [files, got] = await Promise.all([
      cli.json(fileList, ['glob', 'file', 'archive@master:/**']),
      cli.ok(['get', 'file', 'archive@master:/2024/big.bin']),
    ]);
    expect(paths(files.filter((file) => file.type === 'file'))).toEqual([
      '/2024/big.bin',
      '/tree/a.csv',
      '/tree/sub/blob.bin',
    ]);
    expect(got.bytes.equals(big)).toBe(true);
  });

  it('deletes several paths in one commit, and a directory only with -r', async () => {
    const [before, refused] = await Promise.all([
      cli.json(commitInfo, ['inspect', 'commit', 'images@master']),
      cli.run(['delete', 'file', 'images@master:/many']),
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      'strata: images@master:/many is a directory: add -r to delete it and everything under it\n',
    );

    const deleted = await cli.ok([
      'delete',
      'file',
      'images@master:/notes.txt',
      '/stdin.txt',
      'images@master:/many',
      '-r',
    ]);
    expect(deleted.stdout).toMatch(/^deleted 3 paths from images@master: commit [0-9a-f]{32}\n$/);
    const [after, root] = await Promise.all([
      cli.json(commitInfo, ['inspect', 'commit', 'images@master']),
      cli.json(fileList, ['list', 'file', 'images@master']),
    ]);
    expect(after.parent).toBe(before.id);
    expect(paths(root)).toEqual(['/copy-of-big.bin', '/data', '/docs', '/tree']);
  });

  it('puts into an open commit by ID, and inspects a file', async () => {
    const started = await cli.ok(['start', 'commit', 'images@master']);
    const id = started.stdout.trim();
    await cli.ok(['put', 'file', `images@${id}:/open.txt`, '-f', 'notes.txt']);
    const stat = await cli.json(fileList, ['list', 'file', `images@${id}:/open.txt`]);
    expect(stat).toEqual([expect.objectContaining({ path: '/open.txt', type: 'file', size: 11 })]);
    fileInfo.parse(stat[0]);
    await cli.ok(['finish', 'commit', `images@${id}`]);
  });
});
