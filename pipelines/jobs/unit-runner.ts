/**
 * RunUnit: runs the datums of one work unit through the Executor, stores their outputs, and
 * records one datum result each. Output content is flushed before any result that points at it
 * is recorded, so a recorded result never names bytes that are not stored.
 */
import { ContentReader, ContentWriter } from '../../versioning/content/index.ts';
import type { FileEntry } from '../../versioning/tree/types.ts';
import type { DatumInputFile, DatumOutcome, DatumRun } from '../executor.ts';
import type { DatumResultInput } from './datum-results.ts';
import type { LoadedJob } from './job-plan.ts';
import type { JobTaskDeps } from './job-tasks.ts';
import { decodeLines, type UnitDatum, unitDatum } from './unit-codec.ts';

/** Logs kept per datum in its result (the executor keeps up to 1 MiB; a KV item must stay small). */
const LOG_TAIL_CHARS = 32 * 1024;

export interface UnitCounts {
  processed: number;
  failed: number;
  recovered: number;
}

export async function runUnitDatums(
  deps: JobTaskDeps,
  job: LoadedJob,
  unitKey: string,
  record: (result: DatumResultInput) => Promise<void>,
): Promise<UnitCounts> {
  const datums = decodeLines(unitDatum, unitKey, await deps.objects.get(unitKey));
  const reader = new ContentReader({ objects: deps.objects });
  const writer = new ContentWriter({ objects: deps.objects, kv: deps.kv });
  const results: DatumResultInput[] = [];
  const counts: UnitCounts = { processed: 0, failed: 0, recovered: 0 };
  for (const item of datums) {
    const outcome = await deps.executor.runDatum(datumRun(deps, job, item, reader));
    try {
      const outputs: FileEntry[] = [];
      for (const output of outcome.outputs) {
        outputs.push({ path: output.path, ...(await writer.write(output.open())) });
      }
      results.push(datumResult(job, item, outcome, outputs));
    } finally {
      await outcome.cleanup();
    }
    if (outcome.state === 'success') counts.processed++;
    else if (outcome.state === 'recovered') counts.recovered++;
    else counts.failed++;
  }
  await writer.flush();
  for (const result of results) await record(result);
  return counts;
}

function datumRun(deps: JobTaskDeps, job: LoadedJob, item: UnitDatum, reader: ContentReader): DatumRun {
  const { spec } = job;
  const inputs: DatumInputFile[] = [];
  const inputCommits: Record<string, (typeof item.datum.inputs)[number]['commit']> = {};
  const matchedPaths: Record<string, string> = {};
  for (const input of item.datum.inputs) {
    inputCommits[input.name] = input.commit;
    matchedPaths[input.name] = input.globMatch;
    for (const file of input.files) {
      inputs.push({
        inputName: input.name,
        path: file.path,
        empty: input.emptyFiles,
        open: () =>
          reader.read(file.entry, undefined, { path: `${input.repo}@${input.commit}:${file.path}` }),
      });
    }
  }
  const signal = deps.signalFor(job.pipeline, job.job);
  return {
    jobId: job.job,
    pipelineName: job.pipeline,
    datumId: item.datum.id,
    transform: {
      image: spec.transform.image,
      cmd: spec.transform.cmd,
      stdin: spec.transform.stdin,
      env: spec.transform.env,
      errCmd: spec.transform.errCmd ?? [],
      errStdin: spec.transform.errStdin,
      acceptReturnCode: spec.transform.acceptReturnCode,
      workingDir: spec.transform.workingDir,
    },
    datumTries: spec.datumTries,
    ...(spec.datumTimeoutMs ? { datumTimeoutMs: spec.datumTimeoutMs } : {}),
    ...(signal ? { signal } : {}),
    inputCommits,
    matchedPaths,
    outputCommitId: job.record.outputCommit ?? item.datum.inputs[0]!.commit,
    inputs,
  };
}

function datumResult(
  job: LoadedJob,
  item: UnitDatum,
  outcome: DatumOutcome,
  outputs: FileEntry[],
): DatumResultInput {
  return {
    id: item.datum.id,
    hash: item.hash,
    job: job.job,
    state: outcome.state,
    inputs: item.datum.inputs.flatMap((input) =>
      input.files.map((file) => ({
        name: input.name,
        repo: input.repo,
        commit: input.commit,
        path: file.path,
        hash: file.hash,
      })),
    ),
    outputs,
    attempts: outcome.attempts,
    durationMs: outcome.durationMs,
    mode: outcome.mode,
    error: outcome.error ?? null,
    stdout: outcome.logs.stdout.slice(-LOG_TAIL_CHARS),
    stderr: outcome.logs.stderr.slice(-LOG_TAIL_CHARS),
  };
}
