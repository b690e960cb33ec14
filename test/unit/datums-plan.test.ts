import { describe, expect, it } from 'vitest';
import { planDatumRefs, planDatums } from '../../pipelines/datums/index.ts';
import type { PipelineInput } from '../../pipelines/spec/input.ts';
import { InvalidArgumentError, NotFoundError } from '../../versioning/errors.ts';
import { parseRepoName } from '../../versioning/ids.ts';
import { collect, datumText, pfs, refText, TestRepos } from './datums-fixtures.ts';

const TREE = {
  '/a/1.txt': 'a1',
  '/a/2.txt': 'a2',
  '/a/sub/3.txt': 'a3',
  '/b.txt': 'b',
  '/c/4.txt': 'c4',
};

async function plan(input: PipelineInput, repos: Record<string, Record<string, string>>): Promise<string[]> {
  const testRepos = new TestRepos({ leafFanout: 4, branchFanout: 2, minItems: 1 });
  const commits = Object.fromEntries(
    await Promise.all(
      Object.entries(repos).map(async ([name, files]) => [name, await testRepos.commit(files)]),
    ),
  );
  return (await collect(planDatums(input, testRepos.sources(commits)))).map(datumText);
}

describe('pfs datums', () => {
  it("'/' gives one datum of the whole repo", async () => {
    expect(await plan(pfs('in', '/'), { in: TREE })).toEqual([
      'in:/[/a/1.txt,/a/2.txt,/a/sub/3.txt,/b.txt,/c/4.txt]',
    ]);
  });

  it("'/*' gives each top-level file and directory, a directory with every file under it", async () => {
    expect(await plan(pfs('in', '/*'), { in: TREE })).toEqual([
      'in:/a/[/a/1.txt,/a/2.txt,/a/sub/3.txt]',
      'in:/b.txt[/b.txt]',
      'in:/c/[/c/4.txt]',
    ]);
  });

  it("'/*/*' gives the second level", async () => {
    expect(await plan(pfs('in', '/*/*'), { in: TREE })).toEqual([
      'in:/a/1.txt[/a/1.txt]',
      'in:/a/2.txt[/a/2.txt]',
      'in:/a/sub/[/a/sub/3.txt]',
      'in:/c/4.txt[/c/4.txt]',
    ]);
  });

  it("'/**' gives every file and every directory", async () => {
    expect(await plan(pfs('in', '/**'), { in: TREE })).toEqual([
      'in:/a/[/a/1.txt,/a/2.txt,/a/sub/3.txt]',
      'in:/a/1.txt[/a/1.txt]',
      'in:/a/2.txt[/a/2.txt]',
      'in:/a/sub/[/a/sub/3.txt]',
      'in:/a/sub/3.txt[/a/sub/3.txt]',
      'in:/b.txt[/b.txt]',
      'in:/c/[/c/4.txt]',
      'in:/c/4.txt[/c/4.txt]',
    ]);
  });

  it('gives nothing for a glob that matches nothing, and one empty-root datum for an empty repo', async () => {
    expect(await plan(pfs('in', '/nothing/*'), { in: TREE })).toEqual([]);
    expect(await plan(pfs('in', '/'), { in: {} })).toEqual(['in:/[]']);
  });

  it('records the repo, branch, commit and empty_files of each input', async () => {
    const repos = new TestRepos();
    const commit = await repos.commit({ '/x': 'x' });

    const [datum] = await collect(
      planDatums(pfs('in', '/*', { emptyFiles: true }), repos.sources({ in: commit })),
    );

    expect(datum!.inputs[0]).toMatchObject({
      name: 'in',
      repo: 'in',
      branch: 'master',
      commit: commit.commit,
      globMatch: '/x',
      matchType: 'file',
      emptyFiles: true,
    });
  });
});

describe('combined inputs', () => {
  it('cross gives every combination, the first input outermost', async () => {
    const input: PipelineInput = { kind: 'cross', inputs: [pfs('left', '/*'), pfs('right', '/*')] };

    expect(
      await plan(input, { left: { '/1': '', '/2': '' }, right: { '/x': '', '/y': '', '/z': '' } }),
    ).toEqual([
      'left:/1[/1] right:/x[/x]',
      'left:/1[/1] right:/y[/y]',
      'left:/1[/1] right:/z[/z]',
      'left:/2[/2] right:/x[/x]',
      'left:/2[/2] right:/y[/y]',
      'left:/2[/2] right:/z[/z]',
    ]);
  });

  it('cross with an input that has no match gives nothing', async () => {
    const input: PipelineInput = { kind: 'cross', inputs: [pfs('left', '/*'), pfs('right', '/none/*')] };

    expect(await plan(input, { left: { '/1': '' }, right: { '/x': '' } })).toEqual([]);
  });

  it('union gives each input datums in turn, each keeping its own input', async () => {
    const input: PipelineInput = { kind: 'union', inputs: [pfs('left', '/*'), pfs('right', '/*')] };

    expect(await plan(input, { left: { '/1': '', '/2': '' }, right: { '/x': '' } })).toEqual([
      'left:/1[/1]',
      'left:/2[/2]',
      'right:/x[/x]',
    ]);
  });

  it('union of inputs that share name, repo and branch gives a match they both select once', async () => {
    const input: PipelineInput = { kind: 'union', inputs: [pfs('in', '/a*'), pfs('in', '/*b')] };

    expect(await plan(input, { in: { '/ab': '', '/ax': '', '/xb': '' } })).toEqual([
      'in:/ab[/ab]',
      'in:/ax[/ax]',
      'in:/xb[/xb]',
    ]);
  });

  // Pachyderm's join example: files of two repos paired by the name their globs capture.
  const JOIN_REPOS = {
    readings: { '/apple.txt': '', '/banana.txt': '', '/cherry.txt': '' },
    params: { '/apple.json': '', '/banana.json': '', '/damson.json': '' },
  };

  it('join pairs the datums whose join_on captures are equal (inner join)', async () => {
    const input: PipelineInput = {
      kind: 'join',
      inputs: [pfs('readings', '/(*).txt', { joinOn: '$1' }), pfs('params', '/(*).json', { joinOn: '$1' })],
    };

    expect(await plan(input, JOIN_REPOS)).toEqual([
      'readings:/apple.txt[/apple.txt] params:/apple.json[/apple.json]',
      'readings:/banana.txt[/banana.txt] params:/banana.json[/banana.json]',
    ]);
  });

  it('outer join keeps the unmatched datums of the outer input only', async () => {
    const input: PipelineInput = {
      kind: 'join',
      inputs: [
        pfs('readings', '/(*).txt', { joinOn: '$1', outerJoin: true }),
        pfs('params', '/(*).json', { joinOn: '$1' }),
      ],
    };

    expect(await plan(input, JOIN_REPOS)).toEqual([
      'readings:/apple.txt[/apple.txt] params:/apple.json[/apple.json]',
      'readings:/banana.txt[/banana.txt] params:/banana.json[/banana.json]',
      'readings:/cherry.txt[/cherry.txt]',
    ]);
  });

  it('outer join on both inputs keeps every unmatched datum, in key order', async () => {
    const input: PipelineInput = {
      kind: 'join',
      inputs: [
        pfs('readings', '/(*).txt', { joinOn: '$1', outerJoin: true }),
        pfs('params', '/(*).json', { joinOn: '$1', outerJoin: true }),
      ],
    };

    expect(await plan(input, JOIN_REPOS)).toEqual([
      'readings:/apple.txt[/apple.txt] params:/apple.json[/apple.json]',
      'readings:/banana.txt[/banana.txt] params:/banana.json[/banana.json]',
      'readings:/cherry.txt[/cherry.txt]',
      'params:/damson.json[/damson.json]',
    ]);
  });

  it('join on a second capture group crosses every datum that shares the key', async () => {
    const input: PipelineInput = {
      kind: 'join',
      inputs: [pfs('sales', '/(*)-(*).csv', { joinOn: '$2' }), pfs('stores', '/(*).json', { joinOn: '$1' })],
    };
    const repos = {
      sales: { '/jan-s1.csv': '', '/feb-s1.csv': '', '/jan-s2.csv': '' },
      stores: { '/s1.json': '', '/s2.json': '' },
    };

    expect(await plan(input, repos)).toEqual([
      'sales:/feb-s1.csv[/feb-s1.csv] stores:/s1.json[/s1.json]',
      'sales:/jan-s1.csv[/jan-s1.csv] stores:/s1.json[/s1.json]',
      'sales:/jan-s2.csv[/jan-s2.csv] stores:/s2.json[/s2.json]',
    ]);
  });

  it('group makes one datum of every match with the same group_by, across inputs', async () => {
    const input: PipelineInput = {
      kind: 'group',
      inputs: [
        pfs('sales', '/(*)-(*).csv', { groupBy: '$2' }),
        pfs('stores', '/(*).json', { groupBy: '$1' }),
      ],
    };
    const repos = {
      sales: { '/jan-s1.csv': '', '/feb-s1.csv': '', '/jan-s2.csv': '' },
      stores: { '/s1.json': '', '/s3.json': '' },
    };

    expect(await plan(input, repos)).toEqual([
      'sales:/feb-s1.csv[/feb-s1.csv] sales:/jan-s1.csv[/jan-s1.csv] stores:/s1.json[/s1.json]',
      'sales:/jan-s2.csv[/jan-s2.csv]',
      'stores:/s3.json[/s3.json]',
    ]);
  });

  it('cron is the glob /* over its tick repo', async () => {
    const input: PipelineInput = {
      kind: 'cron',
      name: 'tick',
      spec: '@every 10s',
      repo: parseRepoName('pipe_tick'),
      overwrite: false,
    };
    const repos = new TestRepos();
    const ticks = await repos.commit({ '/2024-01-01T00:00:00Z': '', '/2024-01-01T00:00:10Z': '' });

    const datums = await collect(planDatums(input, repos.sources({ tick: ticks })));

    expect(datums.map(datumText)).toEqual([
      'tick:/2024-01-01T00:00:00Z[/2024-01-01T00:00:00Z]',
      'tick:/2024-01-01T00:00:10Z[/2024-01-01T00:00:10Z]',
    ]);
    expect(datums[0]!.inputs[0]).toMatchObject({ repo: 'pipe_tick', branch: 'master' });
  });

  it('nests: a cross of a union and a pfs input', async () => {
    const input: PipelineInput = {
      kind: 'cross',
      inputs: [{ kind: 'union', inputs: [pfs('a', '/*'), pfs('b', '/*')] }, pfs('c', '/')],
    };

    expect(await plan(input, { a: { '/1': '' }, b: { '/2': '' }, c: { '/x': '' } })).toEqual([
      'a:/1[/1] c:/[/x]',
      'b:/2[/2] c:/[/x]',
    ]);
  });

  it('gives references without reading directory contents, with the same IDs', async () => {
    const repos = new TestRepos();
    const commit = await repos.commit(TREE);

    const refs = await collect(planDatumRefs(pfs('in', '/*'), repos.sources({ in: commit })));
    const datums = await collect(planDatums(pfs('in', '/*'), repos.sources({ in: commit })));

    expect(refs.map(refText)).toEqual(['in:/a/', 'in:/b.txt', 'in:/c/']);
    expect(refs.map((ref) => ref.id)).toEqual(datums.map((datum) => datum.id));
  });
});

describe('plan errors', () => {
  it('names an input that has no commit', async () => {
    const repos = new TestRepos();

    await expect(collect(planDatums(pfs('in', '/*'), repos.sources({})))).rejects.toThrow(NotFoundError);
    await expect(collect(planDatums(pfs('in', '/*'), repos.sources({})))).rejects.toThrow(/input "in"/);
  });

  it('rejects a cross of two inputs with the same name', async () => {
    const input: PipelineInput = { kind: 'cross', inputs: [pfs('in', '/*'), pfs('in', '/*')] };

    await expect(plan(input, { in: { '/a': '' } })).rejects.toThrow(/two inputs named "in"/);
  });

  it('rejects a join_on that refers to a group the glob lacks, before reading', async () => {
    const input: PipelineInput = {
      kind: 'join',
      inputs: [pfs('a', '/(*).txt', { joinOn: '$2' }), pfs('b', '/(*).txt', { joinOn: '$1' })],
    };

    await expect(plan(input, { a: {}, b: {} })).rejects.toThrow(/join_on "\$2".*1 capture group/);
  });

  it('rejects a join input without join_on', async () => {
    const input: PipelineInput = {
      kind: 'join',
      inputs: [pfs('a', '/(*).txt', { joinOn: '$1' }), pfs('b', '/(*).txt')],
    };

    await expect(plan(input, { a: { '/x.txt': '' }, b: { '/x.txt': '' } })).rejects.toThrow(
      InvalidArgumentError,
    );
  });

  it('refuses to hold more matches than maxMatchesInMemory', async () => {
    const repos = new TestRepos();
    const left = await repos.commit({ '/1': '', '/2': '' });
    const right = await repos.commit({ '/x': '', '/y': '', '/z': '' });
    const input: PipelineInput = { kind: 'cross', inputs: [pfs('left', '/*'), pfs('right', '/*')] };

    const planning = collect(planDatums(input, repos.sources({ left, right }), { maxMatchesInMemory: 2 }));

    await expect(planning).rejects.toThrow(/more than 2 glob matches/);
  });
});
