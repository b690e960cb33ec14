/**
 * The pipeline service: pipelines, jobs, datums, logs and commit sets on top of the versioning
 * service. It subscribes its dispatcher to CommitFinished events, so pipelines fire by
 * themselves when their inputs change; `idle()` waits until every job those events caused has
 * ended (what the CLI does when no long-running engine is up).
 */
import {
  type DownstreamCommit,
  downstream,
  type LineageNode,
  resolveLineageRef,
  type TraceOptions,
  traceLineage,
} from '../lineage/index.ts';
import { NotFoundError } from '../versioning/errors.ts';
import type { EventBus } from '../versioning/events.ts';
import type { CommitSetId, FilePath, RepoName } from '../versioning/ids.ts';
import type { KvStore, ObjectStore } from '../versioning/ports.ts';
import type { CommitRef } from '../versioning/refs.ts';
import type { VersioningService } from '../versioning/service.ts';
import { FileIndex } from '../versioning/tree/index.ts';
import {
  type CommitSetInfo,
  inspectCommitSet,
  type WaitCommitSetOptions,
  waitCommitSet,
} from './commit-sets.ts';
import { type DatumId, leavesOf } from './datums/index.ts';
import { Dispatcher } from './dispatcher.ts';
import type { Executor } from './executor.ts';
import { type DatumResult, jobDatumResults, readDatumResult, readDatumTable } from './jobs/datum-results.ts';
import { JobStore } from './jobs/job-store.ts';
import { JobTasks } from './jobs/job-tasks.ts';
import { type JobRecord, type PipelineRecord, terminalJobStates } from './jobs/records.ts';
import type { JobOrchestrator } from './orchestrator.ts';
import { PipelineRegistry } from './registry.ts';

export interface PipelineServiceDeps {
  readonly versioning: VersioningService;
  readonly objects: ObjectStore;
  readonly kv: KvStore;
  readonly events: EventBus;
  readonly executor: Executor;
  /** Builds the orchestrator that runs job workflows with these tasks. */
  readonly orchestrator: (tasks: JobTasks) => JobOrchestrator;
  readonly now?: () => Date;
  /** Subscribe the dispatcher to the bus, so commits fire jobs here. @default true */
  readonly dispatch?: boolean;
}

export interface PipelineInfo {
  readonly name: RepoName;
  readonly version: number;
  readonly state: PipelineRecord['state'];
  readonly description: string;
  readonly outputBranch: string;
  readonly inputRepos: readonly string[];
  readonly specHash: string;
  readonly created: string;
  readonly updated: string;
  readonly lastJob: JobRecord | null;
}

export interface DatumInfo {
  readonly id: DatumId;
  readonly state: 'success' | 'failed' | 'recovered' | 'skipped';
  readonly hash: string;
  /** The job whose run of the datum made the output (itself, or an earlier one when skipped). */
  readonly source: CommitSetId;
}

export class PipelineService {
  readonly jobs: JobStore;
  readonly registry: PipelineRegistry;
  readonly dispatcher: Dispatcher;
  readonly tasks: JobTasks;
  readonly #deps: PipelineServiceDeps;
  readonly #unsubscribe: () => void;

  constructor(deps: PipelineServiceDeps) {
    this.#deps = deps;
    const now = deps.now ?? (() => new Date());
    this.jobs = new JobStore(deps.kv);
    this.registry = new PipelineRegistry({
      kv: deps.kv,
      versioning: deps.versioning,
      jobs: this.jobs,
      now: () => now().toISOString(),
    });
    this.dispatcher = new Dispatcher({
      kv: deps.kv,
      versioning: deps.versioning,
      jobs: this.jobs,
      registry: this.registry,
      now,
    });
    this.tasks = new JobTasks({
      versioning: deps.versioning,
      objects: deps.objects,
      kv: deps.kv,
      index: new FileIndex(deps.objects),
      executor: deps.executor,
      jobs: this.jobs,
      bucket: 'strata',
      signalFor: (pipeline, job) => this.dispatcher.signalFor(pipeline, job),
      now: () => now().toISOString(),
    });
    this.dispatcher.attach(deps.orchestrator(this.tasks));
    this.#unsubscribe =
      deps.dispatch === false
        ? () => {}
        : deps.events.subscribe(async (event) => {
            if (event.type === 'CommitFinished') await this.dispatcher.onCommitFinished(event);
          });
  }

  close(): void {
    this.#unsubscribe();
  }

  /** Creates the pipeline and runs its first job on the inputs' current heads. */
  async createPipeline(
    specText: string,
    source: string,
  ): Promise<{ pipeline: PipelineInfo; warnings: readonly string[] }> {
    const parsed = await this.registry.validate(specText, source, { update: false });
    const record = await this.registry.save(parsed, specText, { reprocess: false });
    await this.dispatcher.trigger(record.name);
    return { pipeline: await this.inspectPipeline(record.name), warnings: parsed.warnings };
  }

  /** Stores a new spec version and runs a job with it; `reprocess` re-runs every datum. */
  async updatePipeline(
    specText: string,
    source: string,
    options: { reprocess?: boolean } = {},
  ): Promise<{ pipeline: PipelineInfo; warnings: readonly string[] }> {
    const parsed = await this.registry.validate(specText, source, { update: true });
    const record = await this.registry.save(parsed, specText, { reprocess: options.reprocess ?? false });
    await this.dispatcher.trigger(record.name);
    return { pipeline: await this.inspectPipeline(record.name), warnings: parsed.warnings };
  }

  async listPipelines(): Promise<PipelineInfo[]> {
    const records = await this.jobs.listPipelines();
    return Promise.all(records.map((record) => this.#info(record)));
  }

  async inspectPipeline(name: RepoName): Promise<PipelineInfo> {
    return this.#info(await this.jobs.getPipeline(name));
  }

  async deletePipeline(name: RepoName, options: { keepRepo?: boolean } = {}): Promise<void> {
    await this.registry.remove(name, { keepRepo: options.keepRepo ?? false });
  }

  /** Pauses the pipeline: commits to its inputs no longer start jobs until `start`. */
  async stopPipeline(name: RepoName): Promise<PipelineInfo> {
    const record = await this.jobs.updatePipeline(name, (current) => ({ ...current, state: 'paused' }));
    return this.#info(record);
  }

  /** Resumes the pipeline and catches up with a job on its inputs' current heads. */
  async startPipeline(name: RepoName): Promise<PipelineInfo> {
    await this.jobs.updatePipeline(name, (current) => ({ ...current, state: 'running' }));
    await this.dispatcher.trigger(name);
    return this.inspectPipeline(name);
  }

  /** Runs a new job on the current heads; with `reprocess`, every datum runs again. */
  async rerunPipeline(
    name: RepoName,
    options: { reprocess?: boolean } = {},
  ): Promise<CommitSetId | undefined> {
    if (options.reprocess)
      await this.jobs.updatePipeline(name, (current) => ({ ...current, reprocessNext: true }));
    return this.dispatcher.trigger(name);
  }

  async listJobs(options: { pipeline?: RepoName; limit?: number } = {}): Promise<JobRecord[]> {
    const pipelines = options.pipeline
      ? [options.pipeline]
      : (await this.jobs.listPipelines()).map((p) => p.name);
    const all: JobRecord[] = [];
    for (const pipeline of pipelines) {
      await this.jobs.getPipeline(pipeline);
      all.push(...(await this.jobs.listJobs(pipeline, { limit: options.limit ?? 100 })).items);
    }
    return all
      .sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0))
      .slice(0, options.limit ?? 100);
  }

  inspectJob(pipeline: RepoName, job: CommitSetId): Promise<JobRecord> {
    return this.jobs.getJob(pipeline, job);
  }

  /** Waits until the job ends (polling the store, so jobs run by another process count too). */
  async waitJob(
    pipeline: RepoName,
    job: CommitSetId,
    options: { timeoutMs?: number } = {},
  ): Promise<JobRecord> {
    const deadline = Date.now() + (options.timeoutMs ?? 24 * 3600_000);
    for (;;) {
      const record = await this.jobs.getJob(pipeline, job);
      if (terminalJobStates.has(record.state)) return record;
      if (Date.now() > deadline) return record;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Stops a running job: its datums are killed and its output commit finishes with an error. */
  async stopJob(pipeline: RepoName, job: CommitSetId): Promise<JobRecord> {
    const record = await this.jobs.getJob(pipeline, job);
    if (terminalJobStates.has(record.state)) return record;
    if (!this.dispatcher.stop(pipeline, job, 'stopped by user')) {
      await this.tasks.fail(pipeline, job, 'killed', 'stopped by user');
    }
    return this.waitJob(pipeline, job);
  }

  async listDatums(pipeline: RepoName, job: CommitSetId): Promise<DatumInfo[]> {
    const record = await this.jobs.getJob(pipeline, job);
    if (record.datumTable) return readDatumTable(this.#deps.objects, record.datumTable);
    const found: DatumInfo[] = [];
    for await (const result of jobDatumResults(this.#deps.kv, pipeline, job)) {
      found.push({ id: result.id, state: result.state, hash: result.hash, source: job });
    }
    return found;
  }

  async inspectDatum(
    pipeline: RepoName,
    job: CommitSetId,
    datum: DatumId,
  ): Promise<DatumResult & { skipped: boolean }> {
    const rows = await this.listDatums(pipeline, job);
    const row = rows.find((r) => r.id === datum);
    const source = row?.source ?? job;
    const result = await readDatumResult(this.#deps.kv, pipeline, source, datum);
    if (!result)
      throw new NotFoundError(
        `datum ${datum} not found in job ${pipeline}@${job}; list them with 'strata list datum ${pipeline}@${job}'`,
      );
    return { ...result, skipped: row?.state === 'skipped' };
  }

  /** Every commit and job of a global ID (`strata inspect commitset`). */
  inspectCommitSet(id: CommitSetId): Promise<CommitSetInfo> {
    return inspectCommitSet({ ...this.#deps, jobs: this.jobs }, id);
  }

  /** Waits until the whole global ID has finished, polling the stores (`strata wait commitset`). */
  waitCommitSet(id: CommitSetId, options: WaitCommitSetOptions = {}): Promise<CommitSetInfo> {
    return waitCommitSet({ ...this.#deps, jobs: this.jobs }, id, options);
  }

  /** A commit's or file's upstream chain back to its origin commits (`strata lineage`). */
  async lineage(ref: CommitRef & { readonly path?: FilePath }, options?: TraceOptions): Promise<LineageNode> {
    return traceLineage(this.#deps, await resolveLineageRef(this.#deps, ref), options);
  }

  /** The commits of the same global ID computed from `ref`'s commit. */
  async downstream(ref: CommitRef, options?: TraceOptions): Promise<DownstreamCommit[]> {
    return downstream(this.#deps, await resolveLineageRef(this.#deps, ref), options);
  }

  /** Resolves once every job started so far (and the jobs their outputs started) has ended. */
  async idle(): Promise<void> {
    await this.dispatcher.idle();
  }

  async #info(record: PipelineRecord): Promise<PipelineInfo> {
    const spec = this.registry.parse(record);
    const jobs = await this.jobs.listJobs(record.name, { limit: 1 });
    return {
      name: record.name,
      version: record.version,
      state: record.state,
      description: spec.description,
      outputBranch: spec.outputBranch,
      inputRepos: [...new Set(leavesOf(spec.input).map((leaf) => `${leaf.repo}@${leaf.branch}`))],
      specHash: record.specHash,
      created: record.created,
      updated: record.updated,
      lastJob: jobs.items[0] ?? null,
    };
  }
}
