/**
 * Plan: decides which datums a job runs, writes them as work units, and lists the datums whose
 * earlier outputs it reuses. Everything goes to the object store; the workflow gets keys.
 */
import { z } from 'zod';
import { decodeRecord } from '../../versioning/graph/records.ts';
import type { CommitSetId, ObjectHash, RepoName } from '../../versioning/ids.ts';
import type { CommitRef } from '../../versioning/refs.ts';
import {
  type InputCommit,
  type InputCommitLookup,
  MemoryDatumTable,
  type PreviousJob,
  planIncremental,
} from '../datums/index.ts';
import { canonicalJson, type PipelineSpec, parsePipelineSpec } from '../spec/index.ts';
import type { PfsInput } from '../spec/input.ts';
import type { PlanResult } from '../workflow/job-workflow.ts';
import { readDatumTable } from './datum-results.ts';
import type { JobTaskDeps } from './job-tasks.ts';
import { pipelineKeys } from './keys.ts';
import type { JobInput, JobRecord } from './records.ts';
import { encodeLines, type SkippedDatum } from './unit-codec.ts';

/** A job's failure that is the user's to fix (bad input, failed datums, upstream failure). */
export class JobFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Strata.JobFailure';
  }
}

export const specVersionRecord = z.object({ specText: z.string(), salt: z.string(), specHash: z.string() });

export interface LoadedJob {
  readonly pipeline: RepoName;
  readonly job: CommitSetId;
  readonly record: JobRecord;
  readonly spec: PipelineSpec;
  readonly salt: string;
  readonly unitsPrefix: string;
  readonly skippedKey: string;
}

/** Datums per work unit aim for a few units per worker, so slow datums even out. */
const UNITS_PER_WORKER = 4;
const MAX_DATUMS_PER_UNIT = 1000;

export async function loadJobPlan(
  deps: Pick<JobTaskDeps, 'jobs' | 'kv'>,
  pipeline: RepoName,
  job: CommitSetId,
): Promise<LoadedJob> {
  const record = await deps.jobs.getJob(pipeline, job);
  const { spec, salt } = await loadSpecVersion(deps, pipeline, record.specVersion);
  const base = `jobs/${pipeline}/${job}`;
  return {
    pipeline,
    job,
    record,
    spec,
    salt,
    unitsPrefix: `${base}/units/`,
    skippedKey: `${base}/skipped.jsonl`,
  };
}

export async function loadSpecVersion(
  deps: Pick<JobTaskDeps, 'kv'>,
  pipeline: RepoName,
  version: number,
): Promise<{ spec: PipelineSpec; salt: string; specHash: string }> {
  const key = pipelineKeys.specVersion(pipeline, version);
  const item = await deps.kv.get(key);
  if (!item) throw new JobFailure(`spec version ${version} of pipeline ${pipeline} is missing`);
  const stored = decodeRecord(specVersionRecord, key, item.value);
  return {
    spec: parsePipelineSpec(stored.specText, `${pipeline} v${version}`).spec,
    salt: stored.salt,
    specHash: stored.specHash,
  };
}

/** What of the spec shapes a datum's output: a change re-runs every datum. */
export function specIdentity(spec: PipelineSpec): string {
  const { image, cmd, stdin, env, errCmd, errStdin, acceptReturnCode, workingDir } = spec.transform;
  return canonicalJson({ image, cmd, stdin, env, errCmd, errStdin, acceptReturnCode, workingDir });
}

export async function planJob(deps: JobTaskDeps, pipeline: RepoName, job: CommitSetId): Promise<PlanResult> {
  const record = await deps.jobs.updateJob(pipeline, job, (current) => ({
    ...current,
    state: 'running',
    started: current.started ?? deps.now(),
  }));
  const loaded = await loadJobPlan(deps, pipeline, job);
  await checkInputsSucceeded(deps, record);
  const sources = { index: deps.index, commitOf: await commitLookup(deps, record.inputs) };
  const previous = record.reprocess ? undefined : await previousJob(deps, record);
  const plan = await planIncremental({
    input: loaded.spec.input,
    sources,
    salt: loaded.salt,
    specIdentity: specIdentity(loaded.spec),
    ...(previous ? { previous: previous.plan } : {}),
    reprocess: record.reprocess,
  });

  const parallelism = loaded.spec.parallelismSpec.constant;
  const perUnit = Math.min(
    MAX_DATUMS_PER_UNIT,
    Math.max(1, Math.ceil(plan.counts.toRun / (parallelism * UNITS_PER_WORKER))),
  );
  const units: { unitId: string; key: string }[] = [];
  let batch: unknown[] = [];
  const storeUnit = async () => {
    const key = `${loaded.unitsPrefix}${String(units.length).padStart(6, '0')}.jsonl`;
    await deps.objects.putIfAbsent(key, encodeLines(batch));
    units.push({ unitId: String(units.length), key });
    batch = [];
  };
  for await (const { datum, hash } of plan.toRun()) {
    batch.push({ hash, datum });
    if (batch.length >= perUnit) await storeUnit();
  }
  if (batch.length > 0) await storeUnit();

  const skipped: SkippedDatum[] = [];
  for await (const entry of plan.toSkip()) {
    const source = previous?.sources.get(entry.id);
    if (source) skipped.push({ id: entry.id, hash: entry.hash, source });
  }
  await deps.objects.putIfAbsent(loaded.skippedKey, encodeLines(skipped));
  const manifestKey = `jobs/${pipeline}/${job}/manifest.jsonl`;
  await deps.objects.putIfAbsent(manifestKey, encodeLines(units));
  await deps.jobs.updateJob(pipeline, job, (current) => ({
    ...current,
    counts: { ...current.counts, total: plan.counts.total, skipped: skipped.length },
  }));
  const datumTimeout = loaded.spec.datumTimeoutMs ?? 0;
  const jobTimeout = loaded.spec.jobTimeoutMs ?? 0;
  const unitTimeoutMs =
    jobTimeout > 0 ? jobTimeout : datumTimeout > 0 ? datumTimeout * perUnit * loaded.spec.datumTries : 0;
  return {
    manifest: { bucket: deps.bucket, key: manifestKey },
    unitCount: units.length,
    parallelism: Math.min(parallelism, 10_000),
    toleratedFailurePercentage: 0,
    unitTimeoutSeconds: unitTimeoutMs > 0 ? Math.max(1, Math.ceil(unitTimeoutMs / 1000)) : 86_400,
    compute: { backend: 'local' },
    strategy: plan.strategy,
    reason: plan.reason,
  };
}

async function checkInputsSucceeded(deps: JobTaskDeps, record: JobRecord): Promise<void> {
  for (const input of record.inputs) {
    const commit = await deps.versioning.inspectCommit(commitRef(input));
    if (commit.state === 'failed') {
      throw new JobFailure(
        `input ${input.name} is ${input.repo}@${input.commit}, the output of a failed job upstream: ${commit.error ?? 'no reason recorded'}`,
      );
    }
  }
}

function commitRef(input: JobInput): CommitRef {
  return { repo: input.repo, base: { kind: 'commit', commit: input.commit }, ancestors: 0 };
}

async function commitLookup(deps: JobTaskDeps, inputs: readonly JobInput[]): Promise<InputCommitLookup> {
  const roots = new Map<string, InputCommit>();
  for (const input of inputs) {
    const root: ObjectHash = await deps.versioning.treeRoot(commitRef(input));
    roots.set(leafKey(input.name, input.repo, input.branch), { commit: input.commit, root });
  }
  return (leaf: PfsInput) => roots.get(leafKey(leaf.name, leaf.repo, leaf.branch));
}

const leafKey = (name: string, repo: string, branch: string) => `${name}\0${repo}\0${branch}`;

async function previousJob(
  deps: JobTaskDeps,
  record: JobRecord,
): Promise<{ plan: PreviousJob; sources: Map<string, CommitSetId> } | undefined> {
  if (!record.previousJob) return undefined;
  const previous = await deps.jobs.findJob(record.pipeline, record.previousJob);
  if (!previous?.datumTable || previous.state !== 'success') return undefined;
  const lines = await readDatumTable(deps.objects, previous.datumTable);
  // A recovered datum left no output: it is not reused, so the next job runs it again.
  const reusable = lines.filter((line) => line.state === 'success' || line.state === 'skipped');
  const sources = new Map<string, CommitSetId>(reusable.map((line) => [line.id, line.source]));
  const { spec, salt } = await loadSpecVersion(deps, record.pipeline, previous.specVersion);
  return {
    sources,
    plan: {
      input: spec.input,
      commitOf: await commitLookup(deps, previous.inputs),
      salt,
      specIdentity: specIdentity(spec),
      datums: new MemoryDatumTable(reusable),
    },
  };
}
