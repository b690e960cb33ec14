/**
 * The pipelines end-to-end suite — trigger → datums → output commit → downstream — run by each
 * backend's test file on its stores: memory (pipeline-engine.test.ts) and the AWS adapters on the
 * emulators (pipeline-engine-aws.test.ts), unchanged.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../adapters/local/engine.ts';
import { parseRepoName } from '../../versioning/ids.ts';
import type { KvStore, ObjectStore } from '../../versioning/ports.ts';
import { paths, put, readText } from '../harness/memory-service.ts';

export interface PipelineStores {
  readonly objects: ObjectStore;
  readonly kv: KvStore;
  cleanup(): Promise<void>;
}

const upper = JSON.stringify({
  pipeline: { name: 'upper' },
  input: { pfs: { repo: 'words', glob: '/*' } },
  transform: {
    cmd: ['sh', '-c', 'for f in /pfs/words/*; do tr a-z A-Z < "$f" > /pfs/out/$(basename "$f"); done'],
  },
});

const joined = JSON.stringify({
  pipeline: { name: 'joined' },
  input: { pfs: { repo: 'upper', glob: '/' } },
  transform: { cmd: ['sh', '-c', 'cat /pfs/upper/* > /pfs/out/all.txt'] },
});

export function describePipelineEngine(name: string, makeStores: () => Promise<PipelineStores>): void {
  describe(`pipelines end to end: ${name}`, () => {
    let scratch: string;
    let stores: PipelineStores;
    let engine: Engine;

    beforeEach(async () => {
      scratch = await mkdtemp(join(tmpdir(), 'strata-pipe-'));
      stores = await makeStores();
      engine = createEngine(stores, { scratchDir: scratch });
      await engine.versioning.createRepo(parseRepoName('words'));
    });

    afterEach(async () => {
      await engine.close();
      await stores.cleanup();
      await rm(scratch, { recursive: true, force: true });
    });

    it('runs a job when created, then again on each commit, processing only changed datums', async () => {
      await put(engine.versioning, 'words@master', { '/a.txt': 'alpha', '/b.txt': 'beta' });

      await engine.pipelines.createPipeline(upper, 'upper.json');
      await engine.idle();
      const first = (await engine.pipelines.listJobs({ pipeline: parseRepoName('upper') }))[0]!;

      expect(first.state).toBe('success');
      expect(first.counts).toMatchObject({ total: 2, processed: 2, skipped: 0 });
      expect(await readText(engine.versioning, 'upper@master:/a.txt')).toBe('ALPHA');

      const { commit } = await put(engine.versioning, 'words@master', { '/b.txt': 'bravo' });
      await engine.idle();
      const second = await engine.pipelines.inspectJob(parseRepoName('upper'), commit.globalId);

      expect(second.state).toBe('success');
      expect(second.counts).toMatchObject({ total: 2, processed: 1, skipped: 1 });
      expect(await paths(engine.versioning, 'upper@master')).toEqual(['/a.txt', '/b.txt']);
      expect(await readText(engine.versioning, 'upper@master:/b.txt')).toBe('BRAVO');
      const output = await engine.versioning.inspectCommit({
        repo: parseRepoName('upper'),
        base: { kind: 'branch', branch: second.inputs[0]!.branch },
        ancestors: 0,
      });
      expect(output.globalId).toBe(commit.globalId);
      expect(output.origin).toBe('pipeline');
    });

    it('fires downstream pipelines under the same global ID', async () => {
      await put(engine.versioning, 'words@master', { '/a.txt': 'x', '/b.txt': 'y' });
      await engine.pipelines.createPipeline(upper, 'upper.json');
      await engine.pipelines.createPipeline(joined, 'joined.json');
      await engine.idle();

      const { commit } = await put(engine.versioning, 'words@master', { '/c.txt': 'z' });
      await engine.idle();

      expect(await readText(engine.versioning, 'joined@master:/all.txt')).toBe('XYZ');
      const downstream = await engine.pipelines.inspectJob(parseRepoName('joined'), commit.globalId);
      expect(downstream.state).toBe('success');
    });

    it('fails a job whose command fails, finishes its output commit with an error, and tells downstream', async () => {
      await put(engine.versioning, 'words@master', { '/a.txt': 'x' });
      await engine.pipelines.createPipeline(
        JSON.stringify({
          pipeline: { name: 'broken' },
          input: { pfs: { repo: 'words', glob: '/*' } },
          transform: { cmd: ['sh', '-c', 'exit 3'] },
          datum_tries: 1,
        }),
        'broken.json',
      );
      await engine.idle();

      const [job] = await engine.pipelines.listJobs({ pipeline: parseRepoName('broken') });
      expect(job?.state).toBe('failure');
      expect(job?.reason).toMatch(/1 datum\(s\) failed/);
      const output = await engine.versioning.inspectCommit({
        repo: parseRepoName('broken'),
        base: { kind: 'commit', commit: job!.outputCommit! },
        ancestors: 0,
      });
      expect(output.state).toBe('failed');
    });
  });
}
