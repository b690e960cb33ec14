/**
 * Commits as a user drives them: start / several puts / finish, history with paging, inspect,
 * revert, and dropping an open commit.
 */
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitInfo, commitPage, fileList, StrataCli } from '../harness/cli.ts';

describe('strata commit commands', () => {
  let cli: StrataCli;

  beforeAll(async () => {
    cli = await StrataCli.create();
    await Promise.all([
      writeFile(cli.path('one.txt'), 'one\n'),
      writeFile(cli.path('two.txt'), 'two two\n'),
      writeFile(cli.path('three.txt'), 'three three three\n'),
    ]);
    await cli.ok(['create', 'repo', 'logs']);
  });

  afterAll(() => cli.dispose());

  it('collects several puts in one open commit and finishes it', async () => {
    const started = await cli.ok(['start', 'commit', 'logs@master', '-m', 'nightly import']);
    const id = started.stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{32}$/);

    const open = await cli.json(commitInfo, ['inspect', 'commit', `logs@${id}`]);
    expect(open).toMatchObject({ id, state: 'open', branch: 'master', parent: null, fileCount: null });

    await cli.ok(['put', 'file', 'logs@master:/one.txt', '-f', 'one.txt']);
    await cli.ok(['put', 'file', `logs@${id}:/two.txt`, '-f', 'two.txt']);
    const pending = await cli.json(commitPage, ['list', 'commit', 'logs@master']);
    expect(pending.items.map((commit) => commit.id)).toEqual([id]);

    const finished = await cli.ok(['finish', 'commit', 'logs@master']);
    expect(finished.stdout).toBe(`finished commit ${id}: 2 files, 12 B\n`);
    const info = await cli.json(commitInfo, ['inspect', 'commit', `logs@${id}`]);
    expect(info).toMatchObject({
      state: 'finished',
      fileCount: 2,
      sizeBytes: 12,
      description: 'nightly import',
    });
  });

  it('shows a commit readably, with its parent, size and file count', async () => {
    await cli.ok(['put', 'file', 'logs@master:/three.txt', '-f', 'three.txt']);
    const [head, parent] = await Promise.all([
      cli.json(commitInfo, ['inspect', 'commit', 'logs@master']),
      cli.json(commitInfo, ['inspect', 'commit', 'logs@master^']),
    ]);
    expect(head).toMatchObject({ parent: parent.id, fileCount: 3, sizeBytes: 30, state: 'finished' });

    const text = await cli.ok(['inspect', 'commit', 'logs@master']);
    expect(text.stdout).toContain(`Commit:      logs@${head.id}\n`);
    expect(text.stdout).toContain(`Parent:      ${parent.id}\n`);
    expect(text.stdout).toContain('Files:       3\n');
    expect(text.stdout).toContain('Size:        30 B (30 bytes)\n');
  });

  it('pages through history with -n and --after, and lists everything with --all', async () => {
    for (const name of ['a', 'b', 'c']) {
      await cli.ok(['put', 'file', `logs@master:/${name}.txt`, '-f', '-'], { input: name });
    }
    const all = await cli.json(commitPage, ['list', 'commit', 'logs@master', '--all']);
    expect(all.items).toHaveLength(5);
    expect(all.next).toBeUndefined();
    expect(all.items[4]?.parent).toBeNull();
    for (const [index, commit] of all.items.entries()) {
      if (index > 0) expect(all.items[index - 1]?.parent).toBe(commit.id);
    }

    const first = await cli.json(commitPage, ['list', 'commit', 'logs@master', '-n', '2']);
    expect(first.items.map((commit) => commit.id)).toEqual(all.items.slice(0, 2).map((commit) => commit.id));
    expect(first.next).toBeDefined();
    const second = await cli.json(commitPage, [
      'list',
      'commit',
      'logs@master',
      '-n',
      '2',
      '--after',
      first.next ?? '',
    ]);
    expect(second.items.map((commit) => commit.id)).toEqual(all.items.slice(2, 4).map((commit) => commit.id));

    const table = await cli.ok(['list', 'commit', 'logs', '-n', '2']);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^COMMIT\s+BRANCH\s+ORIGIN\s+STARTED\s+STATE\s+FILES\s+SIZE\s+DESCRIPTION$/);
    expect(lines).toHaveLength(3);
    expect(table.stderr).toMatch(/^\(more: strata list commit logs --after \S+, or --all\)\n$/);
  });

  it('reverts a commit: the content is back to what it was before', async () => {
    const before = await cli.json(fileList, ['glob', 'file', 'logs@master^:/**']);
    const target = await cli.json(commitInfo, ['inspect', 'commit', 'logs@master']);

    const reverted = await cli.ok(['revert', `logs@${target.id}`, '-m', 'undo c']);
    expect(reverted.stdout).toMatch(
      new RegExp(`^reverted logs@${target.id}: new commit [0-9a-f]{32}: 5 files, 32 B\\n$`),
    );

    const head = await cli.json(commitInfo, ['inspect', 'commit', 'logs@master']);
    expect(head).toMatchObject({ parent: target.id, origin: 'revert', description: 'undo c' });
    const after = await cli.json(fileList, ['glob', 'file', 'logs@master:/**']);
    expect(after.map((file) => [file.path, file.hash])).toEqual(before.map((file) => [file.path, file.hash]));
  });

  it('drops an open commit: its writes vanish and the branch is back at its parent', async () => {
    const before = await cli.json(commitInfo, ['inspect', 'commit', 'logs@master']);
    const id = (await cli.ok(['start', 'commit', 'logs@master'])).stdout.trim();
    await cli.ok(['put', 'file', `logs@${id}:/scratch.txt`, '-f', 'one.txt']);

    const dropped = await cli.ok(['delete', 'commit', `logs@${id}`]);
    expect(dropped.stdout).toBe(`dropped commit logs@${id}\n`);
    const head = await cli.json(commitInfo, ['inspect', 'commit', 'logs@master']);
    expect(head.id).toBe(before.id);
    const files = await cli.json(fileList, ['list', 'file', 'logs@master']);
    expect(files.map((file) => file.path)).not.toContain('/scratch.txt');
  });

  it('starts a commit from another parent with -p', async () => {
    const all = await cli.json(commitPage, ['list', 'commit', 'logs@master', '--all']);
    const oldest = all.items.at(-1);
    const id = (await cli.ok(['start', 'commit', 'logs@master', '-p', oldest?.id ?? ''])).stdout.trim();
    const info = await cli.json(commitInfo, ['inspect', 'commit', `logs@${id}`]);
    expect(info.parent).toBe(oldest?.id);
    await cli.ok(['finish', 'commit', `logs@${id}`]);
    const files = await cli.json(fileList, ['list', 'file', 'logs@master']);
    expect(files.map((file) => file.path)).toEqual(['/one.txt', '/two.txt']);
  });
});
