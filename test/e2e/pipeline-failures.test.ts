import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../adapters/local/engine.ts';
import { MemoryKvStore, MemoryObjectStore } from '../../adapters/memory/index.ts';
import { ConflictError, InvalidArgumentError, NotFoundError } from '../../versioning/errors.ts';
import { parseRepoName } from '../../versioning/ids.ts';
import { paths, put } from '../harness/memory-service.ts';

const spec = (name: string, repo: string, cmd: string[], extra: Record<string, unknown> = {}) =>
  JSON.stringify({ pipeline: { name }, input: { pfs: { repo, glob: '/*' } }, transform: { cmd }, ...extra });

describe('pipeline bad input and failures', () => {
  let scratch: string;
  let engine: Engine;
  let kv: MemoryKvStore;

  beforeEach(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'strata-fail-'));
    kv = new MemoryKvStore();
    engine = createEngine({ objects: new MemoryObjectStore(), kv }, { scratchDir: scratch });
    await engine.versioning.createRepo(parseRepoName('raw'));
    await put(engine.versioning, 'raw@master', { '/a.txt': 'a', '/b.txt': 'b' });
  });

  afterEach(async () => {
    await engine.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it('rejects an invalid spec naming the field, and creates nothing', async () => {
    const bad = JSON.stringify({
      pipeline: { name: 'p' },
      input: { pfs: { repo: 'raw', glob: 'no-slash' } },
      transform: { cmd: ['true'] },
    });

    await expect(engine.pipelines.createPipeline(bad, 'p.json')).rejects.toThrow(/input\.pfs\.glob/);
    expect(await engine.pipelines.listPipelines()).toEqual([]);
    expect((await engine.versioning.listRepos()).map((r) => r.name)).toEqual(['raw']);
  });

  it('rejects a pipeline on a missing repo, naming it', async () => {
    await expect(engine.pipelines.createPipeline(spec('p', 'nope', ['true']), 'p.json')).rejects.toThrow(
      /reads repo nope .*does not exist/,
    );
    await expect(engine.pipelines.createPipeline(spec('p', 'nope', ['true']), 'p.json')).rejects.toThrow(
      NotFoundError,
    );
    expect(await engine.pipelines.listPipelines()).toEqual([]);
  });

  it('refuses a cycle between pipelines', async () => {
    await engine.pipelines.createPipeline(spec('first', 'raw', ['true']), 'first.json');
    await engine.pipelines.createPipeline(spec('second', 'first', ['true']), 'second.json');
    await engine.idle();

    const cyclic = spec('first', 'second', ['true']);
    await expect(engine.pipelines.updatePipeline(cyclic, 'first.json')).rejects.toThrow(InvalidArgumentError);
    await expect(engine.pipelines.updatePipeline(cyclic, 'first.json')).rejects.toThrow(/cycle/);
  });

  it('refuses a second pipeline of the same name', async () => {
    await engine.pipelines.createPipeline(spec('p', 'raw', ['true']), 'p.json');
    await expect(engine.pipelines.createPipeline(spec('p', 'raw', ['true']), 'p.json')).rejects.toThrow(
      ConflictError,
    );
  });

  it('ends a job with a command that does not exist in failure, with the datum error kept', async () => {
    await engine.pipelines.createPipeline(
      spec('p', 'raw', ['no-such-command-xyz'], { datum_tries: 1 }),
      'p.json',
    );
    await engine.idle();

    const [job] = await engine.pipelines.listJobs({ pipeline: parseRepoName('p') });
    expect(job?.state).toBe('failure');
    const datums = await engine.pipelines.listDatums(parseRepoName('p'), job!.commitSet);
    expect(datums.every((d) => d.state === 'failed')).toBe(true);
    const detail = await engine.pipelines.inspectDatum(parseRepoName('p'), job!.commitSet, datums[0]!.id);
    expect(detail.error).toMatch(/command not found: no-such-command-xyz/);
    expect(await paths(engine.versioning, 'raw@master')).toEqual(['/a.txt', '/b.txt']);
  });

  it('kills a datum that runs past datum_timeout and fails the job', async () => {
    await engine.pipelines.createPipeline(
      spec('slow', 'raw', ['sleep', '30'], { datum_tries: 1, datum_timeout: '300ms' }),
      'slow.json',
    );
    await engine.idle();

    const [job] = await engine.pipelines.listJobs({ pipeline: parseRepoName('slow') });
    expect(job?.state).toBe('failure');
    const datums = await engine.pipelines.listDatums(parseRepoName('slow'), job!.commitSet);
    const detail = await engine.pipelines.inspectDatum(parseRepoName('slow'), job!.commitSet, datums[0]!.id);
    expect(detail.error).toMatch(/time/i);
  });

  it('collects only what the code writes under /pfs/out', async () => {
    const outside = join(scratch, 'outside.txt');
    await engine.pipelines.createPipeline(
      spec('p', 'raw', ['sh', '-c', `echo x > ${outside}; echo y > /pfs/out/kept.txt`]),
      'p.json',
    );
    await engine.idle();

    expect(await paths(engine.versioning, 'p@master')).toEqual(['/kept.txt']);
  });

  it('creates no duplicate job when a CommitFinished event is delivered twice', async () => {
    await engine.pipelines.createPipeline(spec('p', 'raw', ['true']), 'p.json');
    await engine.idle();
    const { commit } = await put(engine.versioning, 'raw@master', { '/c.txt': 'c' });
    await engine.idle();

    await engine.bus.publish({
      type: 'CommitFinished',
      repo: parseRepoName('raw'),
      branch: commit.branch,
      commit: commit.id,
      commitSet: commit.globalId,
      error: null,
    });
    await engine.idle();

    const jobs = await engine.pipelines.listJobs({ pipeline: parseRepoName('p') });
    expect(jobs.filter((job) => job.commitSet === commit.globalId)).toHaveLength(1);
    expect(jobs).toHaveLength(2);
  });

  it('stops a pipeline from firing until it is started again', async () => {
    await engine.pipelines.createPipeline(spec('p', 'raw', ['true']), 'p.json');
    await engine.idle();
    await engine.pipelines.stopPipeline(parseRepoName('p'));

    await put(engine.versioning, 'raw@master', { '/c.txt': 'c' });
    await engine.idle();
    expect(await engine.pipelines.listJobs({ pipeline: parseRepoName('p') })).toHaveLength(1);

    await engine.pipelines.startPipeline(parseRepoName('p'));
    await engine.idle();
    expect(await engine.pipelines.listJobs({ pipeline: parseRepoName('p') })).toHaveLength(2);
  });
});
