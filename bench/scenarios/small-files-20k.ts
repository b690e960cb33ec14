/**
 * small-files-20k: 20,000 text files of 1–4 KiB in 200 folders, committed at once. Strata:
 * `create repo` + `put file -r DIR` (one commit) into a fresh home; git: `init` + `add -A` +
 * `commit` into a fresh repository (its identity set with `git config`, not timed). Target:
 * Strata no slower than git. Also reports the requests the same put makes on the memory stores,
 * per 1,000 files, against the AWS backend's budget (≤ 10 object PUTs, ≤ 10 KV writes).
 */
import { join } from 'node:path';
import {
  atMost,
  attempt,
  type BenchContext,
  MB,
  type Outcome,
  recordInfo,
  recordMissing,
  recordRatio,
  type Scenario,
} from '../harness/context.ts';
import { writeSmallFiles } from '../harness/data.ts';
import { git } from '../harness/peers.ts';
import type { ProcessRun } from '../harness/process.ts';
import { runWorker, strata, strataPut } from '../harness/strata.ts';
import { RequestsOutput } from '../workers/protocol.ts';

const SEED = 'strata-bench/small-files';

interface Timed {
  /** Every timed step, in order. */
  readonly steps: Readonly<Record<string, ProcessRun>>;
}

function totalSeconds(timed: Timed): number {
  return Object.values(timed.steps).reduce((sum, run) => sum + run.seconds, 0);
}

function peakRss(timed: Timed): number {
  return Math.max(...Object.values(timed.steps).map((run) => run.peakRssBytes));
}

async function smallFilesDir(ctx: BenchContext): Promise<string> {
  const dir = join(ctx.dataDir, 'small');
  const { smallFiles: count, smallFolders: folders } = ctx.sizes;
  ctx.log(`writing ${count} small files in ${folders} folders to ${dir}`);
  const bytes = await writeSmallFiles(dir, count, folders, SEED);
  ctx.detail('input', { files: count, folders, bytes });
  return dir;
}

async function runStrata(ctx: BenchContext, dir: string): Promise<Outcome<Timed>> {
  return attempt(async () => {
    const home = await ctx.freshDir('strata-small');
    ctx.log('strata: create repo + put file -r');
    const create = await strata(ctx, home, ['create', 'repo', 'bench']);
    const { run: put, result } = await strataPut(ctx, home, ['bench@master:/', '-r', '-f', dir]);
    if (result.files !== ctx.sizes.smallFiles) {
      throw new Error(`strata put ${result.files} files, expected ${ctx.sizes.smallFiles}`);
    }
    return { steps: { 'create repo': create, 'put file -r': put } };
  });
}

async function runGit(ctx: BenchContext, dir: string): Promise<Outcome<Timed>> {
  const peer = ctx.peers.git;
  if (!peer.installed) return { status: 'absent' };
  return attempt(async () => {
    const gitDir = join(await ctx.freshDir('git-small'), 'repo.git');
    const run = (args: readonly string[]) => git(ctx, peer, gitDir, dir, args);
    ctx.log('git: init + add -A + commit');
    const init = await run(['init', '-q']);
    await run(['config', 'user.name', 'Strata Bench']);
    await run(['config', 'user.email', 'bench@strata.invalid']);
    const add = await run(['add', '-A']);
    const commit = await run(['commit', '-qm', 'x']);
    return { steps: { init, 'add -A': add, commit } };
  });
}

function recordRequests(ctx: BenchContext, output: RequestsOutput): void {
  const perK = (count: number) => (count * 1000) / output.files;
  const { requests } = output;
  ctx.detail('requests', output);
  const system = 'strata (memory)';
  for (const [metric, count] of [
    ['object PUTs', requests.objectPuts],
    ['KV items written', requests.kvItemsWritten],
  ] as const) {
    const value = perK(count);
    ctx.record({
      system,
      metric,
      value,
      unit: 'per 1k files',
      target: '≤ 10 (AWS issue)',
      verdict: atMost(value, 10),
    });
  }
  recordInfo(ctx, system, 'KV write calls', perK(requests.kvWriteCalls), 'per 1k files');
  recordInfo(
    ctx,
    system,
    'KV writes as DynamoDB requests',
    perK(requests.kvDynamoWriteRequests),
    'per 1k files',
  );
  recordInfo(ctx, system, 'KV read calls', perK(requests.kvReadCalls), 'per 1k files');
}

function recordSystem(ctx: BenchContext, system: string, outcome: Outcome<Timed>): void {
  if (outcome.status !== 'ok') {
    recordMissing(ctx, system, outcome);
    return;
  }
  const steps = Object.entries(outcome.value.steps);
  ctx.detail(
    system,
    Object.fromEntries(steps.map(([step, { seconds, peakRssBytes }]) => [step, { seconds, peakRssBytes }])),
  );
  const note = steps.map(([step, run]) => `${step} ${run.seconds.toFixed(2)} s`).join(', ');
  recordInfo(ctx, system, 'time', totalSeconds(outcome.value), 's', note);
  recordInfo(ctx, system, 'peak RSS', peakRss(outcome.value) / MB, 'MB');
}

async function countRequests(ctx: BenchContext): Promise<RequestsOutput> {
  ctx.log('strata: counting requests on the memory stores');
  const input = { files: ctx.sizes.smallFiles, folders: ctx.sizes.smallFolders, seed: SEED };
  return (await runWorker(ctx, 'count-requests.ts', input, RequestsOutput)).output;
}

export const smallFiles20k: Scenario = {
  name: 'small-files-20k',
  summary: '20,000 files of 1–4 KiB in 200 folders committed at once, against git',
  async run(ctx) {
    const dir = await smallFilesDir(ctx);
    const mine = await runStrata(ctx, dir);
    const theirs = await runGit(ctx, dir);
    recordSystem(ctx, 'strata', mine);
    recordSystem(ctx, 'git', theirs);
    recordRatio(
      ctx,
      { system: 'strata ÷ git', metric: 'time ratio', target: '≤ 1× git' },
      { name: 'git', outcome: theirs },
      mine.status === 'ok' && theirs.status === 'ok'
        ? totalSeconds(mine.value) / totalSeconds(theirs.value)
        : undefined,
      (ratio) => ratio <= 1,
    );

    const requests = await attempt(() => countRequests(ctx));
    if (requests.status === 'ok') recordRequests(ctx, requests.value);
    else recordMissing(ctx, 'strata (memory)', requests);
  },
};
