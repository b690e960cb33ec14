import { describe, expect, it } from 'vitest';
import { ConflictError, InvalidArgumentError, NotFoundError } from '../../versioning/errors.ts';
import { parseRepoName } from '../../versioning/ids.ts';
import { parseBranchRef, parseCommitRef, parseFileRef } from '../../versioning/refs.ts';
import { VersioningService } from '../../versioning/service.ts';
import { memoryService, paths, put, readText } from '../harness/memory-service.ts';

const images = parseRepoName('images');

async function withRepo() {
  const env = memoryService();
  await env.service.createRepo(images);
  return env;
}

describe('commits', () => {
  it('opens and finishes a commit by itself for a write to a branch with a finished head', async () => {
    const { service } = await withRepo();

    const result = await put(service, 'images@master', { '/a.txt': 'alpha' });

    expect(result.commit.state).toBe('finished');
    expect(result.commit.origin).toBe('auto');
    expect(result.commit.fileCount).toBe(1);
    expect(await readText(service, 'images@master:/a.txt')).toBe('alpha');
  });

  it('builds the tree of an open commit once per staged state: re-reads and the finish store nothing new', async () => {
    // Arrange: a tree of many leaves (so that an edit writes a node pack), an open commit with
    // staged writes, read once. Each read goes through a new service, as separate commands do.
    const { service, objects, kv } = await withRepo();
    const base = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`/f${i}.txt`, `${i}`]));
    await put(service, 'images@master', base);
    await service.startCommit(parseBranchRef('images@master'));
    await put(service, 'images@master', { '/f1.txt': 'one', '/f2999.txt': 'two' });
    const command = () => new VersioningService({ objects, kv });
    await readText(command(), 'images@master:/f1.txt');
    const afterFirstRead = objects.stats.puts;

    // Act
    const reread = await readText(command(), 'images@master:/f2999.txt');
    await readText(command(), 'images@master:/f1.txt');
    const afterRereads = objects.stats.puts;
    await put(command(), 'images@master', { '/new.txt': 'new' });
    const afterWrite = objects.stats.puts;
    await readText(command(), 'images@master:/new.txt');
    const afterNewRead = objects.stats.puts;
    const finished = await command().finishCommit(parseCommitRef('images@master'));

    // Assert
    expect(reread).toBe('two');
    expect(afterRereads).toBe(afterFirstRead);
    expect(afterNewRead).toBeGreaterThan(afterWrite);
    expect(objects.stats.puts).toBe(afterNewRead);
    expect(finished.fileCount).toBe(3001);
    expect(await readText(service, 'images@master:/f1.txt')).toBe('one');
  });

  it('collects several writes into an open commit and shows them only through it', async () => {
    const { service } = await withRepo();
    await put(service, 'images@master', { '/base.txt': 'base' });
    const open = await service.startCommit(parseBranchRef('images@master'), { description: 'batch' });

    await put(service, 'images@master', { '/one.txt': '1' });
    await put(service, `images@${open.id}`, { '/two.txt': '2' });
    const whileOpen = await service.inspectCommit(parseCommitRef('images@master'));
    const finished = await service.finishCommit(parseCommitRef('images@master'));

    expect(whileOpen.state).toBe('open');
    expect(finished.id).toBe(open.id);
    expect(finished.fileCount).toBe(3);
    expect(await paths(service, 'images@master')).toEqual(['/base.txt', '/one.txt', '/two.txt']);
    expect(await paths(service, 'images@master^')).toEqual(['/base.txt']);
  });

  it('refuses to finish a commit twice and leaves it as it was', async () => {
    const { service } = await withRepo();
    const { commit } = await put(service, 'images@master', { '/a': 'a' });

    await expect(service.finishCommit(parseCommitRef(`images@${commit.id}`))).rejects.toThrow(ConflictError);
    expect((await service.inspectCommit(parseCommitRef('images@master'))).fileCount).toBe(1);
  });

  it('refuses writes to a finished commit by ID, naming the commit', async () => {
    const { service } = await withRepo();
    const { commit } = await put(service, 'images@master', { '/a': 'a' });

    await expect(put(service, `images@${commit.id}`, { '/b': 'b' })).rejects.toThrow(
      new RegExp(`commit images@${commit.id} is finished`),
    );
    expect(await paths(service, 'images@master')).toEqual(['/a']);
  });

  it('refuses a second open commit on the same branch', async () => {
    const { service } = await withRepo();
    await service.startCommit(parseBranchRef('images@master'));

    await expect(service.startCommit(parseBranchRef('images@master'))).rejects.toThrow(
      /already has an open commit/,
    );
  });

  it('drops an open commit and moves the branch back to its parent', async () => {
    const { service } = await withRepo();
    const first = await put(service, 'images@master', { '/a': 'a' });
    const open = await service.startCommit(parseBranchRef('images@master'));
    await put(service, 'images@master', { '/b': 'b' });

    await service.dropCommit(parseCommitRef(`images@${open.id}`));

    expect((await service.inspectBranch(parseBranchRef('images@master'))).head).toBe(first.commit.id);
    expect(await paths(service, 'images@master')).toEqual(['/a']);
    await expect(service.inspectCommit(parseCommitRef(`images@${open.id}`))).rejects.toThrow(NotFoundError);
  });

  it('walks ancestry with ^ and ^N, and says how far it could go', async () => {
    const { service } = await withRepo();
    const ids: string[] = [];
    for (const n of [1, 2, 3])
      ids.push((await put(service, 'images@master', { [`/f${n}`]: `${n}` })).commit.id);

    expect((await service.inspectCommit(parseCommitRef('images@master^'))).id).toBe(ids[1]);
    expect((await service.inspectCommit(parseCommitRef('images@master^2'))).id).toBe(ids[0]);
    await expect(service.inspectCommit(parseCommitRef('images@master^3'))).rejects.toThrow(
      /has only 2 ancestor/,
    );
  });

  it('lists commits newest first, in pages that resume where the last one stopped', async () => {
    const { service } = await withRepo();
    const ids: string[] = [];
    for (let n = 0; n < 5; n++)
      ids.push((await put(service, 'images@master', { [`/f${n}`]: `${n}` })).commit.id);

    const first = await service.listCommits(images, {
      branch: parseBranchRef('images@master').branch,
      limit: 2,
    });
    const second = await service.listCommits(images, {
      branch: parseBranchRef('images@master').branch,
      limit: 2,
      after: first.next,
    });
    const all = await service.listCommits(images, { limit: 10 });

    expect(first.items.map((c) => c.id)).toEqual([ids[4], ids[3]]);
    expect(second.items.map((c) => c.id)).toEqual([ids[2], ids[1]]);
    expect(all.items.map((c) => c.id)).toEqual([...ids].reverse());
    expect(all.next).toBeUndefined();
  });

  it('records parent, children, origin and global ID', async () => {
    const { service } = await withRepo();
    const first = await put(service, 'images@master', { '/a': 'a' });
    const second = await put(service, 'images@master', { '/b': 'b' });

    const inspected = await service.inspectCommit(parseCommitRef(`images@${first.commit.id}`));

    expect(inspected.children).toEqual([second.commit.id]);
    expect(second.commit.parent).toBe(first.commit.id);
    expect(second.commit.globalId).toBe(second.commit.id);
  });
});

describe('concurrent writers', () => {
  it('lose no write and keep history linear with 16 writers on one branch', async () => {
    const { service } = await withRepo();
    const writers = Array.from({ length: 16 }, (_, n) =>
      put(service, 'images@master', { [`/w${String(n).padStart(2, '0')}`]: `${n}` }),
    );

    await Promise.all(writers);

    const files = await paths(service, 'images@master');
    expect(files).toHaveLength(16);
    const history = await service.listCommits(images, {
      branch: parseBranchRef('images@master').branch,
      limit: 100,
    });
    const finished = history.items.filter((c) => c.state === 'finished');
    expect(finished.length).toBe(history.items.length);
    for (let i = 0; i + 1 < history.items.length; i++) {
      expect(history.items[i]!.parent).toBe(history.items[i + 1]!.id);
    }
  });
});

describe('branches', () => {
  it('branches without copying and keeps the branches apart', async () => {
    const { service, objects } = await withRepo();
    await put(service, 'images@master', { '/a': 'a'.repeat(10_000) });
    const before = objects.stats.puts;

    await service.createBranch(parseBranchRef('images@dev'), { head: parseCommitRef('images@master') });
    const afterBranch = objects.stats.puts;
    await put(service, 'images@dev', { '/b': 'b' });

    expect(afterBranch).toBe(before);
    expect(await paths(service, 'images@dev')).toEqual(['/a', '/b']);
    expect(await paths(service, 'images@master')).toEqual(['/a']);
  });

  it('refuses to delete a repo that another repo depends on, then deletes it with force', async () => {
    const { service } = await withRepo();
    await service.createRepo(parseRepoName('labels'));
    await put(service, 'images@master', { '/a': 'a' });
    await service.createBranch(parseBranchRef('labels@master'), {
      provenance: [parseBranchRef('images@master')],
    });

    await expect(service.deleteRepo(images)).rejects.toThrow(/labels@master has provenance on it/);
    expect((await service.inspectRepo(images)).commitCount).toBe(1);

    await service.deleteRepo(images, { force: true });
    await expect(service.inspectRepo(images)).rejects.toThrow(NotFoundError);
  });

  it('refuses provenance that would make a cycle', async () => {
    const { service } = await withRepo();
    await service.createRepo(parseRepoName('labels'));
    await put(service, 'images@master', { '/a': 'a' });
    await service.createBranch(parseBranchRef('labels@master'), {
      provenance: [parseBranchRef('images@master')],
    });

    await expect(
      service.createBranch(parseBranchRef('images@master'), {
        provenance: [parseBranchRef('labels@master')],
      }),
    ).rejects.toThrow(InvalidArgumentError);
    expect((await service.inspectBranch(parseBranchRef('images@master'))).provenance).toEqual([]);
  });
});

describe('revert', () => {
  it('adds a commit that undoes exactly the reverted commit', async () => {
    const { service } = await withRepo();
    await put(service, 'images@master', { '/keep': 'k', '/change': 'v1', '/remove': 'r' });
    const bad = await service.startCommit(parseBranchRef('images@master'));
    await put(service, 'images@master', { '/change': 'v2', '/added': 'x' });
    await service.deleteFiles(parseCommitRef('images@master'), [parseFileRef('images@master:/remove').path]);
    await service.finishCommit(parseCommitRef(`images@${bad.id}`));

    const reverted = await service.revert(parseCommitRef('images@master'));

    expect(reverted.origin).toBe('revert');
    expect(reverted.parent).toBe(bad.id);
    expect(await paths(service, 'images@master')).toEqual(['/change', '/keep', '/remove']);
    expect(await readText(service, 'images@master:/change')).toBe('v1');
  });
});

describe('a writer that died while finishing', () => {
  it('leaves no branch open for good: the next write into its auto commit finishes it', async () => {
    const { service } = await withRepo();
    await put(service, 'images@master', { '/a': 'a' });
    // The state a killed auto-write leaves: its commit opened, its write staged, never finished.
    const stranded = await service.startCommit(parseBranchRef('images@master'), { origin: 'auto' });
    await put(service, `images@${stranded.id}`, { '/b': 'b' });

    const next = await put(service, 'images@master', { '/c': 'c' });

    expect(next.commit.id).toBe(stranded.id);
    expect(next.commit.state).toBe('finished');
    expect(await paths(service, 'images@master')).toEqual(['/a', '/b', '/c']);
  });
});
