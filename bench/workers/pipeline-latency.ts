/**
 * Commit finished → job running, for a pipeline with one tiny datum (glob `/` over a one-file
 * repo): from the moment putFiles resolves to the job record's `started` (the job is running:
 * Plan has begun). Each commit rewrites the file and waits for its job to end.
 *
 * `warm`: creates the pipeline on two homes, then makes `commits` commits on each, along the two
 * paths an event takes locally:
 * - in-process: the engine's own versioning service writes and its in-process bus carries the
 *   event, as when a CLI command runs the engine itself;
 * - event log: another service on the same home writes and publishes to the KV event log, which
 *   the engine polls, as `strata local up` does (default poll interval).
 * The engine that created the pipeline has run its first job already, so these commits find it
 * set up.
 *
 * `cold`: one commit through a new in-process engine on the warm run's home, in a new process —
 * what a CLI command without a local engine up pays, its one-time set-up before its first job
 * included.
 */
import { join } from 'node:path';
import { openLocalBackend } from '../../adapters/local/index.ts';
import { KvEventLog } from '../../adapters/local/kv-event-log.ts';
import { terminalJobStates } from '../../pipelines/jobs/records.ts';
import type { CommitSetId } from '../../versioning/ids.ts';
import { parseRepoName } from '../../versioning/ids.ts';
import { parseCommitRef } from '../../versioning/refs.ts';
import { VersioningService } from '../../versioning/service.ts';
import { type BenchEngine, openBenchEngine, ranDatums, sleep, textFile } from './pipeline-engine.ts';
import { LatencyInput, LatencyOutput, type LatencyPath, type LatencySample } from './pipeline-protocol.ts';
import { printOutput, workerInput } from './protocol.ts';

/** Up to this long between one job's end and the next commit, so commits fall at any point of a poll. */
const JITTER_MS = 100;
/** How often the event-log path looks for its job's end (idle() would poll the log at once). */
const JOB_POLL_MS = 5;
const EVENT_POLL_MS = 150;

const input = workerInput(LatencyInput);
const repo = parseRepoName('messages');
const pipeline = parseRepoName('echo');
const commitTo = parseCommitRef(`${repo}@master`);
const message = () => [textFile('/message.txt', `message ${Date.now()}-${Math.random()}\n`)];
const inProcessHome = join(input.home, 'in-process');

if (input.kind === 'cold') {
  const bench = openBenchEngine(inProcessHome);
  try {
    const sample = await commitOnce(bench, bench.engine.versioning, () => bench.engine.idle());
    printOutput(LatencyOutput, { kind: 'cold', sample: sample.sample });
  } finally {
    await bench.close();
  }
} else {
  const inProcess = await measurePath(openBenchEngine(inProcessHome), input.commits, {
    writer: (bench) => ({ versioning: bench.engine.versioning, close: () => {} }),
    jobEnded: (bench) => bench.engine.idle(),
  });
  const eventLogHome = join(input.home, 'event-log');
  const eventLog = await measurePath(
    openBenchEngine(eventLogHome, {
      bus: (backend) => new KvEventLog({ kv: backend.kv, pollMs: EVENT_POLL_MS }),
    }),
    input.commits,
    {
      writer: () => {
        const backend = openLocalBackend(eventLogHome);
        const events = new KvEventLog({ kv: backend.kv });
        return {
          versioning: new VersioningService({ objects: backend.objects, kv: backend.kv, events }),
          close: () => backend.close(),
        };
      },
      jobEnded: async (bench, job) => {
        for (;;) {
          const record = await bench.engine.pipelines.jobs.findJob(pipeline, job);
          if (record && terminalJobStates.has(record.state)) return;
          await sleep(JOB_POLL_MS);
        }
      },
    },
  );
  printOutput(LatencyOutput, { kind: 'warm', inProcess, eventLog: { ...eventLog, pollMs: EVENT_POLL_MS } });
}

interface PathSetup {
  /** The service that makes the commits, and how to release it. */
  writer(bench: BenchEngine): { versioning: VersioningService; close(): void };
  /** Resolves once the job has ended, without hurrying its start. */
  jobEnded(bench: BenchEngine, job: CommitSetId): Promise<void>;
}

async function measurePath(bench: BenchEngine, commits: number, setup: PathSetup): Promise<LatencyPath> {
  const writer = setup.writer(bench);
  try {
    const { versioning, pipelines } = bench.engine;
    await versioning.createRepo(repo);
    await versioning.putFiles(commitTo, message());
    await pipelines.createPipeline(
      JSON.stringify({
        pipeline: { name: pipeline },
        input: { pfs: { repo, glob: '/' } },
        transform: { cmd: ['cp', '-r', `/pfs/${repo}/.`, '/pfs/out/'] },
      }),
      'echo.json',
    );
    await bench.engine.idle();
    const samples: LatencySample[] = [];
    let lastJob: CommitSetId | undefined;
    for (let n = 0; n < commits; n++) {
      await sleep(Math.random() * JITTER_MS);
      const { job, sample } = await commitOnce(bench, writer.versioning, (made) =>
        setup.jobEnded(bench, made),
      );
      samples.push(sample);
      lastJob = job;
    }
    if (!lastJob) throw new Error('no commit was measured');
    return { mode: (await ranDatums(bench, pipeline, lastJob)).mode, samples };
  } finally {
    writer.close();
    await bench.close();
  }
}

/** Commits through `writer`, waits for the job to end and times it from putFiles resolving. */
async function commitOnce(
  bench: BenchEngine,
  writer: VersioningService,
  jobEnded: (job: CommitSetId) => Promise<void>,
): Promise<{ job: CommitSetId; sample: LatencySample }> {
  const put = await writer.putFiles(commitTo, message());
  const resolved = Date.now();
  await jobEnded(put.commit.globalId);
  const job = await bench.engine.pipelines.inspectJob(pipeline, put.commit.globalId);
  if (job.state !== 'success') {
    throw new Error(`job ${pipeline}@${job.commitSet} ended ${job.state}: ${job.reason}`);
  }
  const after = (iso: string | null) => (iso === null ? Number.NaN : Date.parse(iso) - resolved);
  return {
    job: job.commitSet,
    sample: {
      createdMs: after(job.created),
      startedMs: after(job.started),
      commitFinishedMs: after(put.commit.finished),
    },
  };
}
