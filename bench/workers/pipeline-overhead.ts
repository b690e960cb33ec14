/**
 * Per-datum cost of the engine around a command that does nothing: a pipeline running `true` on
 * one small file per datum (glob `/*`, parallelism 1, so datums run one after another), and the
 * bare cost of the same process — `true`, or `bwrap … true` with the sandbox the executor builds —
 * spawned directly from this process the way the executor spawns it (own process group, piped
 * stdio, stdin closed at once). Spawning costs more in a larger process, so the bare spawns run
 * in the same process as the job.
 */
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bwrapArgs, readRootEntries } from '../../adapters/local/executor/pfs-launch.ts';
import { ProcessExecutor } from '../../adapters/local/process-executor.ts';
import type { JobRecord } from '../../pipelines/jobs/records.ts';
import { parseRepoName } from '../../versioning/ids.ts';
import { parseCommitRef } from '../../versioning/refs.ts';
import {
  type BenchEngine,
  datumFilePath,
  jobTiming,
  openBenchEngine,
  ranDatums,
  textFile,
} from './pipeline-engine.ts';
import { type HostMode, OverheadInput, OverheadOutput, type OverheadRun } from './pipeline-protocol.ts';
import { printOutput, workerInput } from './protocol.ts';

const WARM_UP_SPAWNS = 10;
const REPO = 'events';

const input = workerInput(OverheadInput);
const runs: OverheadRun[] = [];
const seen = new Set<HostMode>();
for (const isolation of input.isolations) {
  const home = join(input.home, isolation);
  const { hostMode } = await new ProcessExecutor({
    scratchDir: join(home, 'probe'),
    hostIsolation: isolation,
    containerEngine: 'none',
  }).capabilities();
  // 'auto' without bubblewrap is host-env again: measured once.
  if (seen.has(hostMode)) continue;
  seen.add(hostMode);
  runs.push(await measure(home, isolation, hostMode));
}
printOutput(OverheadOutput, { runs });

async function measure(home: string, isolation: 'auto' | 'host-env', mode: HostMode): Promise<OverheadRun> {
  const bench = openBenchEngine(home, { hostIsolation: isolation });
  try {
    // The engine's one-time set-up before its first job is not a per-datum cost: a one-datum
    // job pays it first (pipeline-latency reports it).
    await noopJob(bench, 'warmup', 1);
    // Half the bare spawns before the job and half after, so a change in the machine's load
    // during the run weighs on both figures alike.
    const bareBefore = await bareSpawnMs(home, mode, Math.ceil(input.datums / 2));
    const job = await noopJob(bench, REPO, input.datums);
    const bareAfter = await bareSpawnMs(home, mode, Math.ceil(input.datums / 2));
    const ran = await ranDatums(bench, job.pipeline, job.commitSet);
    if (ran.mode !== mode) throw new Error(`the datums ran in mode ${ran.mode}, not ${mode} as probed`);
    return {
      mode,
      datums: input.datums,
      job: jobTiming(job, bench.phases),
      bareSpawnMs: (bareBefore + bareAfter) / 2,
      datumMeanMs: ran.meanDurationMs,
    };
  } finally {
    await bench.close();
  }
}

/** A repo of `datums` small files and a `true` pipeline over it (`<repo>-noop`); its first job. */
async function noopJob(bench: BenchEngine, repoName: string, datums: number): Promise<JobRecord> {
  const { versioning, pipelines } = bench.engine;
  const repo = parseRepoName(repoName);
  const pipeline = parseRepoName(`${repoName}-noop`);
  await versioning.createRepo(repo);
  const files = Array.from({ length: datums }, (_, i) => textFile(datumFilePath(i), `event ${i}\n`));
  await versioning.putFiles(parseCommitRef(`${repo}@master`), files);
  await pipelines.createPipeline(
    JSON.stringify({
      pipeline: { name: pipeline },
      input: { pfs: { repo, glob: '/*' } },
      transform: { cmd: ['true'] },
      parallelism_spec: { constant: 1 },
    }),
    `${pipeline}.json`,
  );
  await bench.engine.idle();
  const [job] = await pipelines.listJobs({ pipeline });
  if (job?.state !== 'success') {
    throw new Error(
      `the no-op job of ${pipeline} did not succeed: ${job?.state ?? 'no job'} ${job?.reason ?? ''}`,
    );
  }
  return job;
}

/** Mean wall time of starting `true` in `mode` and seeing it end, over `count` runs. */
async function bareSpawnMs(home: string, mode: HostMode, count: number): Promise<number> {
  const dir = join(home, 'bare');
  const pfsDir = join(dir, 'pfs');
  await mkdir(join(pfsDir, 'out'), { recursive: true });
  await mkdir(join(pfsDir, REPO), { recursive: true });
  await writeFile(join(pfsDir, REPO, 'd000000.txt'), 'event 0\n');
  const env: Record<string, string> = {};
  for (const name of ['PATH', 'HOME']) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  const [file, args] =
    mode === 'bwrap'
      ? [
          'bwrap',
          [
            ...bwrapArgs({ rootEntries: await readRootEntries(), pfsDir, inputNames: [REPO], cwd: '/' }),
            'true',
          ],
        ]
      : ['true', []];
  const once = () =>
    new Promise<void>((resolve, reject) => {
      const child = spawn(file, args, { cwd: dir, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
      child.stdin.on('error', () => {});
      child.stdin.end();
      child.stdout.resume();
      child.stderr.resume();
      child.on('error', reject);
      child.on('close', (code) =>
        code === 0 ? resolve() : reject(new Error(`${file} exited with ${code} in the bare spawn`)),
      );
    });
  for (let i = 0; i < WARM_UP_SPAWNS; i++) await once();
  const started = performance.now();
  for (let i = 0; i < count; i++) await once();
  return (performance.now() - started) / count;
}
