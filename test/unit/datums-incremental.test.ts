import { describe, expect, it } from 'vitest';
import {
  type DatumTableEntry,
  datumHash,
  type IncrementalPlan,
  type InputCommit,
  MemoryDatumTable,
  type PlanSources,
  planDatums,
  planIncremental,
} from '../../pipelines/datums/index.ts';
import type { PipelineInput } from '../../pipelines/spec/input.ts';
import { collect, type Files, numberedFiles, pfs, TestRepos } from './datums-fixtures.ts';

const SPEC = 'image: strata/example; cmd: [score]';
const SMALL_NODES = { leafFanout: 8, branchFanout: 4, minItems: 2 };

/** One pipeline's jobs: plans each against the previous, and records the datum table it leaves. */
class Pipeline {
  readonly repos: TestRepos;
  readonly input: PipelineInput;
  salt = 'salt';
  #previous: { commits: Record<string, InputCommit>; table: MemoryDatumTable; salt: string } | undefined;

  constructor(repos: TestRepos, input: PipelineInput) {
    this.repos = repos;
    this.input = input;
  }

  /** The datum table the last job left. */
  lastTable(): MemoryDatumTable {
    if (this.#previous === undefined) throw new Error('no job has run yet');
    return this.#previous.table;
  }

  async job(
    commits: Record<string, InputCommit>,
    options: { reprocess?: boolean; sources?: PlanSources } = {},
  ): Promise<IncrementalPlan & { table: MemoryDatumTable }> {
    const previous = this.#previous;
    const plan = await planIncremental({
      input: this.input,
      sources: options.sources ?? this.repos.sources(commits),
      salt: this.salt,
      specIdentity: SPEC,
      reprocess: options.reprocess ?? false,
      previous:
        previous === undefined
          ? undefined
          : {
              input: this.input,
              commitOf: (leaf) => previous.commits[leaf.name],
              salt: previous.salt,
              specIdentity: SPEC,
              datums: previous.table,
            },
    });
    const table = await tableAfter(plan);
    this.#previous = { commits, table, salt: this.salt };
    return Object.assign(plan, { table });
  }
}

async function tableAfter(plan: IncrementalPlan): Promise<MemoryDatumTable> {
  const entries: DatumTableEntry[] = await collect(plan.toSkip());
  for await (const { datum, hash } of plan.toRun()) entries.push({ id: datum.id, hash });
  return new MemoryDatumTable(entries);
}

async function runPaths(plan: IncrementalPlan): Promise<string[]> {
  return (await collect(plan.toRun())).map(({ datum }) => datum.inputs.map((i) => i.globMatch).join('+'));
}

describe('incremental planning of a single pfs input', () => {
  it('runs every datum of the first job', async () => {
    const repos = new TestRepos();
    const pipeline = new Pipeline(repos, pfs('in', '/*'));

    const plan = await pipeline.job({ in: await repos.commit(numberedFiles(10)) });

    expect(plan.strategy).toBe('first-job');
    expect(plan.counts).toEqual({ total: 10, toRun: 10, skipped: 0, removed: 0 });
  });

  it('skips every datum when nothing changed, reading no tree node', async () => {
    const repos = new TestRepos();
    const pipeline = new Pipeline(repos, pfs('in', '/*'));
    const commit = await repos.commit(numberedFiles(10));
    await pipeline.job({ in: commit });
    const cold = repos.coldIndex();

    const plan = await pipeline.job({ in: commit }, { sources: repos.sources({ in: commit }, cold) });

    expect(plan.strategy).toBe('diff');
    expect(plan.counts).toEqual({ total: 10, toRun: 0, skipped: 10, removed: 0 });
    expect(cold.stats.reads).toBe(0);
  });

  it('after 1 of 100 files changed under /*: 1 runs, 99 skip, and far fewer reads than a full plan', async () => {
    const repos = new TestRepos(SMALL_NODES);
    const pipeline = new Pipeline(repos, pfs('in', '/*'));
    const first = await repos.commit(numberedFiles(100));
    await pipeline.job({ in: first });
    const second = await repos.edit(first, { '/f00042.txt': 'new content' });

    const fullReads = await storeReads(
      repos,
      async (sources) => {
        await collect(planDatums(pfs('in', '/*'), sources));
      },
      { in: second },
    );
    let plan: IncrementalPlan | undefined;
    const diffReads = await storeReads(
      repos,
      async (sources) => {
        plan = await pipeline.job({ in: second }, { sources });
      },
      { in: second },
    );

    expect(plan!.strategy).toBe('diff');
    expect(plan!.counts).toEqual({ total: 100, toRun: 1, skipped: 99, removed: 0 });
    expect(await runPaths(plan!)).toEqual(['/f00042.txt']);
    expect(await collect(plan!.toSkip())).toHaveLength(99);
    expect(diffReads * 3).toBeLessThan(fullReads);
  });

  it('removes the datum of a deleted file and runs the datum of an added one', async () => {
    const repos = new TestRepos();
    const pipeline = new Pipeline(repos, pfs('in', '/*'));
    const first = await repos.commit({ '/a': 'a', '/b': 'b', '/c': 'c' });
    const before = await pipeline.job({ in: first });
    const idOfB = (await collect(before.toRun())).find(({ datum }) => datum.inputs[0]!.globMatch === '/b')!
      .datum.id;

    const plan = await pipeline.job({ in: await repos.edit(first, { '/d': 'd' }, ['/b']) });

    expect(plan.removed).toEqual([idOfB]);
    expect(plan.counts).toEqual({ total: 3, toRun: 1, skipped: 2, removed: 1 });
    expect(await runPaths(plan)).toEqual(['/d']);
  });

  it('runs a directory datum when a file deep under it changes, and removes it when it empties', async () => {
    const repos = new TestRepos();
    const pipeline = new Pipeline(repos, pfs('in', '/*'));
    const first = await repos.commit({ '/a/x/1': '1', '/a/2': '2', '/b/3': '3', '/c/4': '4' });
    await pipeline.job({ in: first });

    const changed = await pipeline.job({ in: await repos.edit(first, { '/a/x/1': 'one' }, ['/c/4']) });

    expect(await runPaths(changed)).toEqual(['/a']);
    expect((await collect(changed.toRun()))[0]!.datum.inputs[0]!.files.map((f) => f.path)).toEqual([
      '/a/2',
      '/a/x/1',
    ]);
    expect(changed.counts).toEqual({ total: 2, toRun: 1, skipped: 1, removed: 1 });
  });

  it("with '/**' runs the file and every directory above it", async () => {
    const repos = new TestRepos();
    const pipeline = new Pipeline(repos, pfs('in', '/**'));
    const first = await repos.commit({ '/a/b/c': 'c', '/a/d': 'd', '/e': 'e' });
    await pipeline.job({ in: first });

    const plan = await pipeline.job({ in: await repos.edit(first, { '/a/b/c': 'C' }) });

    expect(await runPaths(plan)).toEqual(['/a', '/a/b', '/a/b/c']);
    expect(plan.counts).toEqual({ total: 5, toRun: 3, skipped: 2, removed: 0 });
  });

  it("with '/' runs the one datum on any change", async () => {
    const repos = new TestRepos();
    const pipeline = new Pipeline(repos, pfs('in', '/'));
    const first = await repos.commit({ '/a': 'a', '/b/c': 'c' });
    await pipeline.job({ in: first });

    const plan = await pipeline.job({ in: await repos.edit(first, {}, ['/a']) });

    expect(await runPaths(plan)).toEqual(['/']);
    expect(plan.counts).toEqual({ total: 1, toRun: 1, skipped: 0, removed: 0 });
  });

  it('runs everything when asked to reprocess, and when the salt changes', async () => {
    const repos = new TestRepos();
    const pipeline = new Pipeline(repos, pfs('in', '/*'));
    const commit = await repos.commit(numberedFiles(5));
    await pipeline.job({ in: commit });

    const reprocessed = await pipeline.job({ in: commit }, { reprocess: true });
    pipeline.salt = 'another salt';
    const salted = await pipeline.job({ in: commit });

    expect(reprocessed.strategy).toBe('reprocess');
    expect(reprocessed.counts).toEqual({ total: 5, toRun: 5, skipped: 0, removed: 0 });
    expect(salted.strategy).toBe('full');
    expect(salted.reason).toContain('salt');
    expect(salted.counts).toEqual({ total: 5, toRun: 5, skipped: 0, removed: 0 });
  });
});

describe('incremental planning of combined inputs', () => {
  it('diffs each input of a union of pfs inputs', async () => {
    const repos = new TestRepos();
    const input: PipelineInput = { kind: 'union', inputs: [pfs('left', '/*'), pfs('right', '/*')] };
    const pipeline = new Pipeline(repos, input);
    const left = await repos.commit({ '/1': '1', '/2': '2' });
    const right = await repos.commit({ '/x': 'x' });
    await pipeline.job({ left, right });

    const plan = await pipeline.job({ left, right: await repos.edit(right, { '/y': 'y' }) });

    expect(plan.strategy).toBe('diff');
    expect(await runPaths(plan)).toEqual(['/y']);
    expect(plan.counts).toEqual({ total: 4, toRun: 1, skipped: 3, removed: 0 });
  });

  it('compares every datum hash of a cross, running only the combinations with a changed file', async () => {
    const repos = new TestRepos();
    const input: PipelineInput = { kind: 'cross', inputs: [pfs('left', '/*'), pfs('right', '/*')] };
    const pipeline = new Pipeline(repos, input);
    const left = await repos.commit({ '/1': '1', '/2': '2' });
    const right = await repos.commit({ '/x': 'x', '/y': 'y', '/z': 'z' });
    await pipeline.job({ left, right });

    const plan = await pipeline.job({ left: await repos.edit(left, { '/2': 'two' }), right });

    expect(plan.strategy).toBe('full');
    expect(plan.reason).toContain('cross');
    expect(await runPaths(plan)).toEqual(['/2+/x', '/2+/y', '/2+/z']);
    expect(plan.counts).toEqual({ total: 6, toRun: 3, skipped: 3, removed: 0 });
  });

  it('removes the joined datum whose partner file was deleted', async () => {
    const repos = new TestRepos();
    const input: PipelineInput = {
      kind: 'join',
      inputs: [pfs('readings', '/(*).txt', { joinOn: '$1' }), pfs('params', '/(*).json', { joinOn: '$1' })],
    };
    const pipeline = new Pipeline(repos, input);
    const readings = await repos.commit({ '/apple.txt': '1', '/banana.txt': '2' });
    const params = await repos.commit({ '/apple.json': '{}', '/banana.json': '{}' });
    await pipeline.job({ readings, params });

    const plan = await pipeline.job({ readings, params: await repos.edit(params, {}, ['/banana.json']) });

    expect(plan.counts).toEqual({ total: 1, toRun: 0, skipped: 1, removed: 1 });
  });
});

describe('the diff strategy agrees with enumerating every datum', () => {
  it.each(['/*', '/*/*', '/**', '/', '/n1*/*', '/n2/**', '/*/n3'])('%s, over random edits', async (glob) => {
    const repos = new TestRepos(SMALL_NODES);
    const pipeline = new Pipeline(repos, pfs('in', glob));
    const random = seeded(glob.length * 7919);
    let files: Record<string, string> = {};
    for (let i = 0; i < 60; i++) files[randomPath(random)] = `v0 ${i}`;
    let commit = await repos.commit(files);
    await pipeline.job({ in: commit });

    for (let round = 1; round <= 6; round++) {
      const { put, remove } = randomEdit(files, random, round);
      commit = await repos.edit(commit, put, remove);
      files = { ...files, ...put };
      for (const path of remove) delete files[path];
      const previousTable = await collect(pipeline.lastTable().entries());

      const plan = await pipeline.job({ in: commit });

      expect(plan.strategy).toBe('diff');
      const expected = await enumerateAndCompare(
        pfs('in', glob),
        repos.sources({ in: commit }),
        previousTable,
      );
      expect(plan.counts).toEqual(expected.counts);
      expect(new Set(plan.removed)).toEqual(expected.removed);
      expect(sortedEntries(await collect(plan.table.entries()))).toEqual(sortedEntries(expected.table));
      expect(new Set((await collect(plan.toRun())).map((r) => r.datum.id))).toEqual(expected.run);
    }
  });
});

async function enumerateAndCompare(
  input: PipelineInput,
  sources: PlanSources,
  previous: readonly DatumTableEntry[],
): Promise<{
  counts: IncrementalPlan['counts'];
  removed: Set<string>;
  run: Set<string>;
  table: DatumTableEntry[];
}> {
  const before = new Map(previous.map((entry) => [entry.id, entry.hash]));
  const table: DatumTableEntry[] = [];
  const run = new Set<string>();
  for await (const datum of planDatums(input, sources)) {
    const hash = datumHash(datum, 'salt', SPEC);
    table.push({ id: datum.id, hash });
    if (before.get(datum.id) !== hash) run.add(datum.id);
  }
  const ids = new Set(table.map((entry) => entry.id));
  const removed = new Set(previous.map((entry) => entry.id).filter((id) => !ids.has(id)));
  return {
    counts: { total: table.length, toRun: run.size, skipped: table.length - run.size, removed: removed.size },
    removed,
    run,
    table,
  };
}

function sortedEntries(entries: readonly DatumTableEntry[]): DatumTableEntry[] {
  return [...entries].sort((a, b) => (a.id < b.id ? -1 : 1));
}

async function storeReads(
  repos: TestRepos,
  act: (sources: PlanSources) => Promise<void>,
  commits: Record<string, InputCommit>,
): Promise<number> {
  const cold = repos.coldIndex();
  const before = repos.store.stats.gets;
  await act(repos.sources(commits, cold));
  return repos.store.stats.gets - before;
}

function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomPath(random: () => number): string {
  const depth = 1 + Math.floor(random() * 3);
  const parts: string[] = [];
  for (let i = 0; i < depth; i++) parts.push(`n${Math.floor(random() * 4)}`);
  return `/${parts.join('/')}`;
}

function randomEdit(files: Files, random: () => number, round: number): { put: Files; remove: string[] } {
  const existing = Object.keys(files);
  const put: Record<string, string> = {};
  const remove = new Set<string>();
  for (let i = 0; i < 4; i++) {
    const roll = random();
    if (roll < 0.4 && existing.length > 0) {
      put[existing[Math.floor(random() * existing.length)]!] = `v${round} ${i}`;
    } else if (roll < 0.7 && existing.length > 0) {
      remove.add(existing[Math.floor(random() * existing.length)]!);
    } else {
      put[randomPath(random)] = `v${round} new ${i}`;
    }
  }
  for (const path of Object.keys(put)) remove.delete(path);
  // Paths may come out both a file and a directory ('/n1' and '/n1/n2'): the index allows it,
  // and they are distinct datums, which the comparison covers too.
  return { put, remove: [...remove] };
}
