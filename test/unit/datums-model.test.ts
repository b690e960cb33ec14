import { describe, expect, it } from 'vitest';
import { type Datum, datumHash, datumIdOf, parseDatumId, planDatums } from '../../pipelines/datums/index.ts';
import { InvalidArgumentError } from '../../versioning/errors.ts';
import { parseFilePath, parseRepoName } from '../../versioning/ids.ts';
import { collect, MASTER, pfs, TestRepos } from './datums-fixtures.ts';

async function datumsOf(repos: TestRepos, files: Record<string, string>, glob = '/*'): Promise<Datum[]> {
  const commit = await repos.commit(files);
  return collect(planDatums(pfs('in', glob), repos.sources({ in: commit })));
}

const slot = (name: string, path: string) => ({
  name,
  repo: parseRepoName(name),
  branch: MASTER,
  globMatch: parseFilePath(path),
  matchType: 'file' as const,
});

describe('datum IDs', () => {
  it('are the same for the same match in different commits, whatever the content', async () => {
    const repos = new TestRepos();

    const first = await datumsOf(repos, { '/a.txt': 'one', '/b.txt': 'two' });
    const second = await datumsOf(repos, { '/a.txt': 'changed', '/b.txt': 'two', '/c.txt': 'new' });

    expect(first[0]!.inputs[0]!.commit).not.toBe(second[0]!.inputs[0]!.commit);
    expect(second.map((d) => d.id).slice(0, 2)).toEqual(first.map((d) => d.id));
  });

  it('do not depend on the order of the inputs', () => {
    expect(datumIdOf([slot('a', '/x'), slot('b', '/y')])).toBe(datumIdOf([slot('b', '/y'), slot('a', '/x')]));
  });

  it('tell apart the input name, the path and a file from a directory of the same path', () => {
    const ids = new Set([
      datumIdOf([slot('a', '/x')]),
      datumIdOf([slot('b', '/x')]),
      datumIdOf([slot('a', '/y')]),
      datumIdOf([{ ...slot('a', '/x'), matchType: 'dir' }]),
      datumIdOf([{ ...slot('a', '/x'), repo: parseRepoName('other') }]),
    ]);

    expect(ids.size).toBe(5);
  });

  it('parse only as SHA-256 hex', () => {
    const id = datumIdOf([slot('a', '/x')]);

    expect(parseDatumId(id)).toBe(id);
    expect(() => parseDatumId('not-an-id')).toThrow(InvalidArgumentError);
  });
});

describe('datum hashes', () => {
  it('change when an input file changes and stay when only the commit changes', async () => {
    const repos = new TestRepos();
    const [a1, b1] = await datumsOf(repos, { '/a.txt': 'one', '/b.txt': 'two' });
    const [a2, b2] = await datumsOf(repos, { '/a.txt': 'ONE', '/b.txt': 'two' });

    expect(datumHash(a2!, '', 'spec')).not.toBe(datumHash(a1!, '', 'spec'));
    expect(datumHash(b2!, '', 'spec')).toBe(datumHash(b1!, '', 'spec'));
  });

  it('change with the salt and with the spec identity', async () => {
    const [datum] = await datumsOf(new TestRepos(), { '/a.txt': 'one' });

    const hashes = new Set([
      datumHash(datum!, 'salt-1', 'spec'),
      datumHash(datum!, 'salt-2', 'spec'),
      datumHash(datum!, 'salt-1', 'spec v2'),
    ]);

    expect(hashes.size).toBe(3);
  });

  it('change when a file is added to, removed from or renamed in a directory datum', async () => {
    const repos = new TestRepos();
    const base = { '/d/1': 'one', '/d/2': 'two' };
    const variants: Record<string, string>[] = [
      base,
      { ...base, '/d/3': 'three' },
      { '/d/1': 'one' },
      { '/d/1': 'one', '/d/2b': 'two' },
    ];

    const hashes = new Set<string>();
    for (const files of variants) {
      const [datum] = await datumsOf(repos, files);
      hashes.add(datumHash(datum!, '', ''));
    }

    expect(hashes.size).toBe(variants.length);
  });

  it('do not mistake one field for another (salt "ab" + spec "c" vs "a" + "bc")', async () => {
    const [datum] = await datumsOf(new TestRepos(), { '/a.txt': 'one' });

    expect(datumHash(datum!, 'ab', 'c')).not.toBe(datumHash(datum!, 'a', 'bc'));
  });
});
