import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../adapters/local/engine.ts';
import { MemoryKvStore, MemoryObjectStore } from '../../adapters/memory/index.ts';
import {
  findOutputWriters,
  formatLineage,
  type LineageNode,
  type OutputWriters,
  writeOutputIndex,
} from '../../lineage/index.ts';
import { parseDatumId } from '../../pipelines/datums/index.ts';
import { pipelineKeys } from '../../pipelines/jobs/keys.ts';
import type { CommitInfo } from '../../versioning/api.ts';
import { NotFoundError } from '../../versioning/errors.ts';
import {
  type CommitId,
  newCommitId,
  parseBranchName,
  parseCommitSetId,
  parseFilePath,
  parseRepoName,
  type RepoName,
} from '../../versioning/ids.ts';
import { VersioningService } from '../../versioning/service.ts';
import { put } from '../harness/memory-service.ts';

// messages (user commits) → scores (one datum per message) → report (one datum over every score).
const scoresSpec = JSON.stringify({
  pipeline: { name: 'scores' },
  input: { pfs: { repo: 'messages', glob: '/*' } },
  transform: {
    cmd: [
      'sh',
      '-c',
      'for f in /pfs/messages/*; do wc -w < "$f" > /pfs/out/$(basename "$f" .txt).json; done',
    ],
  },
});

const reportSpec = JSON.stringify({
  pipeline: { name: 'report' },
  input: { pfs: { repo: 'scores', glob: '/' } },
  transform: { cmd: ['sh', '-c', 'cat /pfs/scores/* > /pfs/out/report.json'] },
});

const messages = parseRepoName('messages');
const scores = parseRepoName('scores');
const report = parseRepoName('report');
const master = parseBranchName('master');

describe('lineage on the embedded engine', () => {
  let scratch: string;
  let objects: MemoryObjectStore;
  let kv: MemoryKvStore;
  let engine: Engine;
  let firstInput: CommitInfo;

  const head = (repo: RepoName) =>
    engine.versioning.inspectCommit({ repo, base: { kind: 'branch', branch: master }, ancestors: 0 });
  const at = (repo: RepoName, commit: CommitId, path?: string) => ({
    repo,
    base: { kind: 'commit' as const, commit },
    ancestors: 0,
    ...(path ? { path: parseFilePath(path) } : {}),
  });
  const hashOf = async (repo: RepoName, commit: CommitId, path: string) =>
    (
      await engine.versioning.statFile({
        repo,
        base: { kind: 'commit', commit },
        ancestors: 0,
        path: parseFilePath(path),
      })
    ).hash;

  beforeEach(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'strata-lineage-'));
    objects = new MemoryObjectStore();
    kv = new MemoryKvStore();
    engine = createEngine({ objects, kv }, { scratchDir: scratch });
    await engine.versioning.createRepo(messages);
    firstInput = (
      await put(engine.versioning, 'messages@master', {
        '/msg-001.txt': 'my order arrived broken',
        '/msg-002.txt': 'thanks',
        '/msg-003.txt': 'where is my refund please',
      })
    ).commit;
    await engine.pipelines.createPipeline(scoresSpec, 'scores.json');
    await engine.pipelines.createPipeline(reportSpec, 'report.json');
    await engine.idle();
  });

  afterEach(async () => {
    await engine.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it('traces a report file through both pipelines to the exact raw input files and commit', async () => {
    const output = await head(report);
    const scoresOutput = await head(scores);

    const tree = await engine.pipelines.lineage(at(report, output.id, '/report.json'));

    expect(tree).toMatchObject({ repo: 'report', commit: output.id, path: '/report.json' });
    expect(tree.producer).toMatchObject({
      pipeline: 'report',
      specVersion: 1,
      image: null,
      job: output.globalId,
      jobState: 'success',
      inputs: [{ name: 'scores', repo: 'scores', commit: scoresOutput.id }],
    });
    expect(tree.datums).toHaveLength(1);
    const [datum] = tree.datums;
    expect(datum?.skipped).toBe(false);
    expect(datum?.inputs.map((input) => input.file.path)).toEqual([
      '/msg-001.json',
      '/msg-002.json',
      '/msg-003.json',
    ]);
    for (const { file } of datum?.inputs ?? []) {
      expect(file).toMatchObject({ repo: 'scores', commit: scoresOutput.id, origin: 'pipeline' });
      expect(file.producer?.pipeline).toBe('scores');
      const raw = onlyInput(file);
      const name = file.path?.replace('.json', '.txt') ?? '';
      expect(raw).toMatchObject({
        repo: 'messages',
        commit: firstInput.id,
        path: name,
        producer: null,
        origin: firstInput.origin,
        hash: await hashOf(messages, firstInput.id, name),
      });
    }
  });

  it('after one input changes, names the new input commit for the re-run datum and the earlier job for the reused one', async () => {
    const firstScores = await head(scores);
    const { commit: edit } = await put(engine.versioning, 'messages@master', {
      '/msg-002.txt': 'the parcel never came',
    });
    await engine.idle();
    const output = await head(report);
    const scoresOutput = await head(scores);
    expect(output.globalId).toBe(edit.globalId);

    const tree = await engine.pipelines.lineage(at(report, output.id, '/report.json'));

    const inputs = new Map(tree.datums[0]?.inputs.map((input) => [input.file.path, input.file]));
    const changed = inputs.get(parseFilePath('/msg-002.json'));
    expect(changed?.commit).toBe(scoresOutput.id);
    expect(changed?.datums[0]).toMatchObject({ skipped: false, source: edit.globalId });
    expect(onlyInput(changed)).toMatchObject({ repo: 'messages', commit: edit.id, path: '/msg-002.txt' });
    const unchanged = inputs.get(parseFilePath('/msg-001.json'));
    expect(unchanged?.datums[0]).toMatchObject({ skipped: true, source: firstScores.globalId });
    expect(onlyInput(unchanged)).toMatchObject({
      repo: 'messages',
      commit: firstInput.id,
      path: '/msg-001.txt',
    });

    const direct = await engine.pipelines.lineage(at(scores, scoresOutput.id, '/msg-001.json'));
    expect(direct.producer?.job).toBe(edit.globalId);
    expect(direct.datums).toHaveLength(1);
    expect(direct.datums[0]).toMatchObject({ skipped: true, source: firstScores.globalId });
    expect(onlyInput(direct)).toMatchObject({
      repo: 'messages',
      commit: firstInput.id,
      path: '/msg-001.txt',
      producer: null,
    });

    const lines = formatLineage(tree);
    expect(lines[0]).toMatch(
      /^report@[0-9a-f]{8}…:\/report\.json {2}← pipeline report v1 \(job [0-9a-f]{8}…, image none\)$/,
    );
    expect(lines[1]).toMatch(/^ {2}datum [0-9a-f]{8}… ← 3 input files$/);
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^ {6}datum [0-9a-f]{8}… \\(reused from job [0-9a-f]{8}…\\) ← messages@[0-9a-f]{8}…:/msg-001\\.txt {2}\\[origin: ${firstInput.origin} commit\\]$`,
        ),
      ),
    );
  });

  it('traces a whole commit, without a path, through its input commits to the origin commit', async () => {
    const { commit: edit } = await put(engine.versioning, 'messages@master', { '/msg-004.txt': 'hello' });
    await engine.idle();
    const output = await head(report);
    const scoresOutput = await head(scores);

    const tree = await engine.pipelines.lineage({
      repo: report,
      base: { kind: 'branch', branch: master },
      ancestors: 0,
    });

    expect(tree).toMatchObject({ repo: 'report', commit: output.id, path: null, hash: null, datums: [] });
    expect(tree.producer?.pipeline).toBe('report');
    expect(tree.inputCommits).toHaveLength(1);
    const [upstream] = tree.inputCommits;
    expect(upstream).toMatchObject({ repo: 'scores', commit: scoresOutput.id, globalId: edit.globalId });
    expect(upstream?.producer?.pipeline).toBe('scores');
    expect(upstream?.inputCommits).toEqual([
      expect.objectContaining({ repo: 'messages', commit: edit.id, producer: null, origin: edit.origin }),
    ]);
    expect(formatLineage(tree).map((line) => line.replace(/[0-9a-f]{8}…/g, 'ID'))).toEqual([
      'report@ID  ← pipeline report v1 (job ID, image none)',
      '  scores@ID  ← pipeline scores v1 (job ID, image none)',
      `    messages@ID  [origin: ${edit.origin} commit]`,
    ]);
  });

  it('inspects and waits for a global ID: the input commit, both output commits and both jobs', async () => {
    const { commit: edit } = await put(engine.versioning, 'messages@master', {
      '/msg-003.txt': 'all good now',
    });

    // No idle() first: the wait must see the jobs the dispatcher has yet to start.
    const waited = await engine.pipelines.waitCommitSet(edit.globalId, { timeoutMs: 30_000 });
    const inspected = await engine.pipelines.inspectCommitSet(edit.globalId);

    expect(waited.complete).toBe(true);
    expect(waited.pending).toEqual([]);
    expect(waited.commits.map((commit) => [commit.repo, commit.state])).toEqual([
      ['messages', 'finished'],
      ['scores', 'finished'],
      ['report', 'finished'],
    ]);
    expect(waited.commits[0]?.id).toBe(edit.id);
    expect(waited.jobs.map((job) => [job.pipeline, job.state, job.commitSet])).toEqual([
      ['scores', 'success', edit.globalId],
      ['report', 'success', edit.globalId],
    ]);
    expect(inspected).toEqual(waited);
    const below = await engine.pipelines.downstream(at(messages, edit.id));
    expect(below.map((step) => [step.repo, step.depth, step.from.map((from) => from.repo)])).toEqual([
      ['scores', 1, ['messages']],
      ['report', 2, ['scores']],
    ]);
  });

  it('counts a pipeline whose job the dispatcher has yet to start as pending, and waits for it', async () => {
    // Another process writes; its CommitFinished event reaches this engine's dispatcher later.
    const elsewhere = new VersioningService({ objects, kv });
    const { commit } = await put(elsewhere, 'messages@master', { '/msg-005.txt': 'late again' });

    const before = await engine.pipelines.inspectCommitSet(commit.globalId);
    const waiting = engine.pipelines.waitCommitSet(commit.globalId, { timeoutMs: 30_000 });
    await engine.bus.publish({
      type: 'CommitFinished',
      repo: messages,
      branch: master,
      commit: commit.id,
      commitSet: commit.globalId,
      error: null,
    });
    const after = await waiting;

    expect(before.complete).toBe(false);
    expect(before.pending).toEqual([`pipeline scores has not started its job for messages@${commit.id} yet`]);
    expect(after.complete).toBe(true);
    expect(after.jobs.map((job) => [job.pipeline, job.state])).toEqual([
      ['scores', 'success'],
      ['report', 'success'],
    ]);
  });

  it('still traces a job recorded before output indexes existed, through its datum table', async () => {
    const output = await head(scores);
    const key = pipelineKeys.job(scores, output.globalId);
    const item = await kv.get(key);
    const { outputIndex: _dropped, ...older } = JSON.parse(item?.value ?? '{}');
    await kv.compareAndSet(key, item?.version ?? 0, JSON.stringify(older));

    const tree = await engine.pipelines.lineage(at(scores, output.id, '/msg-003.json'));

    expect((await engine.pipelines.inspectJob(scores, output.globalId)).outputIndex).toBeUndefined();
    expect(onlyInput(tree)).toMatchObject({ repo: 'messages', commit: firstInput.id, path: '/msg-003.txt' });
  });

  it('names the ref when a commit, file, branch or global ID does not exist', async () => {
    const output = await head(report);
    const missing = newCommitId();

    await expect(engine.pipelines.lineage(at(report, missing, '/report.json'))).rejects.toThrow(
      new RegExp(`^cannot trace report@${missing}:/report\\.json: commit report@${missing} not found`),
    );
    await expect(engine.pipelines.lineage(at(report, output.id, '/nope.json'))).rejects.toThrow(
      `cannot trace report@${output.id}:/nope.json: commit report@${output.id} has no file /nope.json`,
    );
    const noBranch = engine.pipelines.lineage({
      repo: report,
      base: { kind: 'branch', branch: parseBranchName('staging') },
      ancestors: 0,
    });
    await expect(noBranch).rejects.toBeInstanceOf(NotFoundError);
    await expect(noBranch).rejects.toThrow(/^cannot trace report@staging: branch report@staging not found/);
    const unknownSet = parseCommitSetId(newCommitId());
    await expect(engine.pipelines.inspectCommitSet(unknownSet)).rejects.toThrow(
      `commit set ${unknownSet} not found`,
    );
    await expect(engine.pipelines.downstream(at(messages, missing))).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('the output index', () => {
  const pipeline = parseRepoName('wide');
  const job = parseCommitSetId('0'.repeat(32));
  const datum = (n: number) => parseDatumId(createHash('sha256').update(String(n)).digest('hex'));
  const path = (n: number) => parseFilePath(`/out/${String(n).padStart(5, '0')}.json`);

  it('finds each path of a large index with a few ranged reads, including very long lines', async () => {
    const objects = new MemoryObjectStore();
    const writers: OutputWriters[] = [];
    for (let n = 0; n < 6000; n += 2)
      writers.push({ path: path(n), datums: [{ id: datum(n), source: job }] });
    // One path every datum appended to: more bytes than a ranged read, spread over many lines.
    const all = Array.from({ length: 4000 }, (_, n) => ({ id: datum(n), source: job }));
    writers.push({ path: parseFilePath('/out/03001-all.json'), datums: all });
    const key = await writeOutputIndex(objects, pipeline, job, writers.reverse());
    expect((await objects.head(key))?.size).toBeGreaterThan(512 * 1024);

    for (const n of [0, 2, 3000, 3002, 3004, 5998]) {
      objects.resetStats();
      const found = await findOutputWriters(objects, key, path(n));
      expect(found?.datums).toEqual([{ id: datum(n), source: job }]);
      // O(log size) ranged reads: a binary search, not a scan of the ~1 MB object.
      expect(objects.stats.gets).toBeLessThanOrEqual(12);
    }
    expect((await findOutputWriters(objects, key, parseFilePath('/out/03001-all.json')))?.datums).toEqual(
      all,
    );
    for (const absent of [1, 3001, 5999, 9999]) {
      expect(await findOutputWriters(objects, key, path(absent))).toBeUndefined();
    }
    expect(await findOutputWriters(objects, key, parseFilePath('/a'))).toBeUndefined();
  });

  it('reads a small index whole, once, and answers a job with no output', async () => {
    const objects = new MemoryObjectStore();
    const key = await writeOutputIndex(objects, pipeline, job, [
      { path: path(2), datums: [{ id: datum(2), source: job }] },
      { path: path(1), datums: [{ id: datum(1), source: job }] },
    ]);
    objects.resetStats();

    expect((await findOutputWriters(objects, key, path(1)))?.datums).toEqual([{ id: datum(1), source: job }]);
    expect(objects.stats.gets).toBe(1);
    expect(await findOutputWriters(objects, key, path(3))).toBeUndefined();

    const emptyJob = parseCommitSetId('1'.repeat(32));
    const emptyKey = await writeOutputIndex(objects, pipeline, emptyJob, []);
    expect(await findOutputWriters(objects, emptyKey, path(1))).toBeUndefined();
  });
});

/** The single raw input behind a file written by one datum with one input file. */
function onlyInput(node: LineageNode | undefined): LineageNode | undefined {
  expect(node?.datums).toHaveLength(1);
  expect(node?.datums[0]?.inputs).toHaveLength(1);
  return node?.datums[0]?.inputs[0]?.file;
}
