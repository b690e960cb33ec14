/**
 * The job workflow's steps as domain code: Plan, RunUnit, Assemble and MarkFailed. The same
 * functions back the local engine's task handlers and (later) the Lambda handlers; they carry
 * only keys and counts between steps, and keep every piece of data in the stores.
 */
import { writeOutputIndex } from '../../lineage/output-index.ts';
import { NotFoundError } from '../../versioning/errors.ts';
import type { CommitSetId, RepoName } from '../../versioning/ids.ts';
import { parseCommitSetId, parseRepoName } from '../../versioning/ids.ts';
import type { KvStore, ObjectStore } from '../../versioning/ports.ts';
import type { VersioningService } from '../../versioning/service.ts';
import type { FileIndex } from '../../versioning/tree/index.ts';
import type { Executor } from '../executor.ts';
import {
  type AssembleInput,
  type JobWorkflowInput,
  type MarkFailedInput,
  type PlanResult,
  type UnitTaskInput,
  type WorkUnit,
  WorkUnitSchema,
} from '../workflow/job-workflow.ts';
import { assembleOutput } from './assembly.ts';
import { recordDatumResult, writeDatumTable } from './datum-results.ts';
import { JobFailure, loadJobPlan, planJob } from './job-plan.ts';
import type { JobStore } from './job-store.ts';
import { decodeLines } from './unit-codec.ts';
import { runUnitDatums } from './unit-runner.ts';

export interface JobTaskDeps {
  readonly versioning: VersioningService;
  readonly objects: ObjectStore;
  readonly kv: KvStore;
  readonly index: FileIndex;
  readonly executor: Executor;
  readonly jobs: JobStore;
  /** The bucket name put in manifest locations (the object store's, in AWS). */
  readonly bucket: string;
  /** Stops every running datum of a job (stop job, job timeout). */
  readonly signalFor: (pipeline: RepoName, job: CommitSetId) => AbortSignal | undefined;
  readonly now: () => string;
}

export class JobTasks {
  readonly #deps: JobTaskDeps;

  constructor(deps: JobTaskDeps) {
    this.#deps = deps;
  }

  async plan(input: JobWorkflowInput): Promise<PlanResult> {
    const { pipeline, job } = ids(input);
    return planJob(this.#deps, pipeline, job);
  }

  async readManifest(location: { bucket: string; key: string }): Promise<WorkUnit[]> {
    return decodeLines(WorkUnitSchema, location.key, await this.#deps.objects.get(location.key));
  }

  async runUnit(input: UnitTaskInput): Promise<void> {
    const pipeline = parseRepoName(input.pipeline);
    const job = parseCommitSetId(input.jobId);
    const plan = await loadJobPlan(this.#deps, pipeline, job);
    const counts = await runUnitDatums(this.#deps, plan, input.unit.key, async (result) => {
      await recordDatumResult(this.#deps.kv, pipeline, result);
    });
    await this.#deps.jobs.updateJob(pipeline, job, (record) => ({
      ...record,
      counts: {
        ...record.counts,
        processed: record.counts.processed + counts.processed,
        failed: record.counts.failed + counts.failed,
        recovered: record.counts.recovered + counts.recovered,
      },
    }));
  }

  async assemble(input: AssembleInput): Promise<{ outputCommit: string; datums: number }> {
    const { pipeline, job } = ids(input);
    const deps = this.#deps;
    const record = await deps.jobs.getJob(pipeline, job);
    if (record.counts.failed > 0) {
      throw new JobFailure(
        `${record.counts.failed} datum(s) failed; see 'strata list datum ${pipeline}@${job}' and 'strata logs -p ${pipeline} --job ${job}'`,
      );
    }
    await deps.jobs.updateJob(pipeline, job, (current) => ({ ...current, state: 'finishing' }));
    const plan = await loadJobPlan(deps, pipeline, job);
    const { lines, changes, writers } = await assembleOutput(deps, plan);
    const outputCommit = record.outputCommit;
    if (!outputCommit) throw new NotFoundError(`job ${pipeline}@${job} has no output commit`);
    const target = { repo: pipeline, base: { kind: 'commit' as const, commit: outputCommit }, ancestors: 0 };
    await deps.versioning.writeChanges(target, changes);
    const tableKey = await writeDatumTable(deps.objects, pipeline, job, lines);
    // Lineage records land before the job succeeds and its commit finishes, so whoever sees the
    // finished output can trace it.
    const indexKey = await writeOutputIndex(deps.objects, pipeline, job, writers);
    await deps.jobs.updateJob(pipeline, job, (current) => ({
      ...current,
      state: 'success',
      datumTable: tableKey,
      outputIndex: indexKey,
      finished: deps.now(),
    }));
    await deps.jobs.updatePipeline(pipeline, (current) => ({ ...current, lastSuccess: job }));
    // Finishing publishes CommitFinished, which fires the pipelines downstream.
    await deps.versioning.finishCommit(target);
    return { outputCommit, datums: lines.length };
  }

  async markFailed(input: MarkFailedInput): Promise<void> {
    const { pipeline, job } = ids(input);
    const signal = this.#deps.signalFor(pipeline, job);
    const killed = signal?.aborted === true;
    const reason = killed
      ? `stopped: ${String(signal.reason ?? 'stop requested')}`
      : describeError(input.error);
    await this.fail(pipeline, job, killed ? 'killed' : 'failure', reason);
  }

  /** Ends a job that did not reach MarkFailed (stopped, timed out, or stopped from another process). */
  fail(pipeline: RepoName, job: CommitSetId, state: 'failure' | 'killed', reason: string) {
    return failJob(this.#deps, pipeline, job, state, reason);
  }
}

/** Ends a job as failed or killed and finishes its output commit with the reason. */
export async function failJob(
  deps: Pick<JobTaskDeps, 'jobs' | 'versioning' | 'now'>,
  pipeline: RepoName,
  job: CommitSetId,
  state: 'failure' | 'killed',
  reason: string,
): Promise<{ state: 'failure' | 'killed' }> {
  const record = await deps.jobs.getJob(pipeline, job);
  if (record.state === 'success' || record.state === 'failure' || record.state === 'killed') {
    return { state: record.state === 'success' ? 'failure' : record.state };
  }
  await deps.jobs.updateJob(pipeline, job, (current) => ({
    ...current,
    state,
    reason,
    finished: deps.now(),
  }));
  if (record.outputCommit) {
    const target = {
      repo: pipeline,
      base: { kind: 'commit' as const, commit: record.outputCommit },
      ancestors: 0,
    };
    const commit = await deps.versioning.inspectCommit(target);
    if (commit.state === 'open')
      await deps.versioning.finishCommit(target, { error: `job ${state}: ${reason}` });
  }
  return { state };
}

function ids(input: { jobId: string; pipeline: string }): { pipeline: RepoName; job: CommitSetId } {
  return { pipeline: parseRepoName(input.pipeline), job: parseCommitSetId(input.jobId) };
}

function describeError(error: { Error: string; Cause?: string | undefined }): string {
  if (!error.Cause) return error.Error;
  try {
    const cause: unknown = JSON.parse(error.Cause);
    if (
      cause &&
      typeof cause === 'object' &&
      'errorMessage' in cause &&
      typeof cause.errorMessage === 'string'
    ) {
      return cause.errorMessage;
    }
  } catch {
    // Not JSON: the cause is the message itself.
  }
  return error.Cause;
}
