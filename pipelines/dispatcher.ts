/**
 * The dispatcher: turns a finished commit into jobs. For each pipeline subscribed to the
 * commit's branch it creates the job keyed by pipeline + global ID (a re-delivered event finds it
 * and does nothing), opens the output commit in the same commit set, records its provenance and
 * runs the workflow. Jobs of one pipeline run one at a time, in the order their commits
 * finished: each output commit's parent is the previous one.
 */
import { randomBytes } from 'node:crypto';
import { recordProvenance } from '../lineage/provenance.ts';
import { ConflictError } from '../versioning/errors.ts';
import type { CommitFinished } from '../versioning/events.ts';
import { kvKeys } from '../versioning/graph/keys.ts';
import {
  type CommitId,
  type CommitSetId,
  parseCommitId,
  parseCommitSetId,
  parseRepoName,
  type RepoName,
} from '../versioning/ids.ts';
import { allPages, type KvStore } from '../versioning/ports.ts';
import type { VersioningService } from '../versioning/service.ts';
import { leavesOf } from './datums/index.ts';
import type { JobStore } from './jobs/job-store.ts';
import { failJob } from './jobs/job-tasks.ts';
import { pipelineKeys } from './jobs/keys.ts';
import { emptyCounts, type JobInput, type JobRecord } from './jobs/records.ts';
import type { JobOrchestrator } from './orchestrator.ts';
import type { PipelineRegistry } from './registry.ts';
import type { PfsInput } from './spec/input.ts';

export interface DispatcherDeps {
  readonly kv: KvStore;
  readonly versioning: VersioningService;
  readonly jobs: JobStore;
  readonly registry: PipelineRegistry;
  readonly now: () => Date;
}

interface Trigger {
  readonly repo: RepoName;
  readonly branch: string | null;
  readonly commit: CommitId;
}

export class Dispatcher {
  readonly #deps: DispatcherDeps;
  #orchestrator: JobOrchestrator | undefined;
  readonly #queues = new Map<RepoName, Promise<void>>();
  readonly #running = new Map<string, AbortController>();

  constructor(deps: DispatcherDeps) {
    this.#deps = deps;
  }

  attach(orchestrator: JobOrchestrator): void {
    this.#orchestrator = orchestrator;
  }

  /** Handles a CommitFinished event: every subscribed pipeline gets its job, in turn. */
  async onCommitFinished(event: CommitFinished): Promise<void> {
    if (event.branch === null) return;
    const prefix = pipelineKeys.subscriptionPrefix(event.repo, event.branch);
    const runs: Promise<void>[] = [];
    for await (const item of allPages((after) => this.#deps.kv.scan(prefix, { after }))) {
      const pipeline = (await this.#deps.jobs.findPipeline(parseRepoName(item.key.slice(prefix.length))))
        ?.name;
      if (!pipeline) continue;
      runs.push(this.#enqueue(pipeline, () => this.#startJob(pipeline, event.commitSet, event)));
    }
    await Promise.all(runs);
  }

  /** Runs a job of the pipeline on its inputs' current heads, in a new commit set. */
  async trigger(pipeline: RepoName): Promise<CommitSetId | undefined> {
    const commitSet = parseCommitSetId(randomBytes(16).toString('hex'));
    let created = false;
    await this.#enqueue(pipeline, async () => {
      created = await this.#startJob(pipeline, commitSet, undefined);
    });
    return created ? commitSet : undefined;
  }

  signalFor(pipeline: RepoName, job: CommitSetId): AbortSignal | undefined {
    return this.#running.get(`${pipeline}@${job}`)?.signal;
  }

  /** Stops a job running in this process; returns false when it is not running here. */
  stop(pipeline: RepoName, job: CommitSetId, reason: string): boolean {
    const controller = this.#running.get(`${pipeline}@${job}`);
    if (!controller) return false;
    controller.abort(reason);
    return true;
  }

  /** Resolves once every queued job has ended. */
  async idle(): Promise<void> {
    while (this.#queues.size > 0) await Promise.allSettled([...this.#queues.values()]);
  }

  #enqueue(pipeline: RepoName, work: () => Promise<unknown>): Promise<void> {
    const previous = this.#queues.get(pipeline) ?? Promise.resolve();
    const next = previous.then(async () => {
      await work();
    });
    const settled = next.catch(() => {});
    this.#queues.set(pipeline, settled);
    void settled.then(() => {
      if (this.#queues.get(pipeline) === settled) this.#queues.delete(pipeline);
    });
    return next;
  }

  /** Creates and runs the job; false when it existed already or cannot run yet. */
  async #startJob(
    pipeline: RepoName,
    commitSet: CommitSetId,
    trigger: Trigger | undefined,
  ): Promise<boolean> {
    const { jobs, registry, versioning } = this.#deps;
    const record = await jobs.findPipeline(pipeline);
    if (record?.state !== 'running') return false;
    if (await jobs.findJob(pipeline, commitSet)) return false;
    const spec = registry.parse(record);
    const inputs: JobInput[] = [];
    for (const leaf of leavesOf(spec.input)) {
      const commit = await this.#inputCommit(leaf, commitSet, trigger);
      if (!commit) return false; // an input has no finished commit yet: nothing to run on
      inputs.push({ name: leaf.name, repo: leaf.repo, branch: leaf.branch, commit });
    }
    const now = this.#deps.now();
    const job: JobRecord = {
      pipeline,
      commitSet,
      specVersion: record.version,
      state: 'created',
      reason: null,
      outputCommit: null,
      inputs,
      previousJob: record.lastSuccess,
      outputIndex: null,
      reprocess: record.reprocessNext || spec.reprocessSpec === 'every_job',
      counts: emptyCounts,
      datumTable: null,
      created: now.toISOString(),
      started: null,
      finished: null,
    };
    if (!(await jobs.createJob(job, now.getTime()))) return false;
    if (record.reprocessNext)
      await jobs.updatePipeline(pipeline, (current) => ({ ...current, reprocessNext: false }));

    const controller = new AbortController();
    this.#running.set(`${pipeline}@${commitSet}`, controller);
    try {
      let output: CommitId;
      try {
        const opened = await versioning.startCommit(
          { repo: pipeline, branch: spec.outputBranch },
          { origin: 'pipeline', commitSet, description: `output of job ${commitSet}` },
        );
        output = opened.id;
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        await failJob(
          this.#jobDeps(),
          pipeline,
          commitSet,
          'failure',
          `could not open the output commit: ${error.message}`,
        );
        return true;
      }
      await recordProvenance(this.#deps.kv, pipeline, output, {
        inputs,
        pipeline,
        specVersion: record.version,
        specHash: record.specHash,
        image: spec.transform.image,
        job: commitSet,
      });
      await jobs.updateJob(pipeline, commitSet, (current) => ({ ...current, outputCommit: output }));
      const signal = spec.jobTimeoutMs
        ? AbortSignal.any([controller.signal, AbortSignal.timeout(spec.jobTimeoutMs)])
        : controller.signal;
      if (!this.#orchestrator) throw new Error('the dispatcher has no orchestrator attached');
      await this.#orchestrator.runJob({ pipeline, job: commitSet }, signal);
      return true;
    } finally {
      this.#running.delete(`${pipeline}@${commitSet}`);
    }
  }

  #jobDeps() {
    return {
      jobs: this.#deps.jobs,
      versioning: this.#deps.versioning,
      now: () => this.#deps.now().toISOString(),
    };
  }

  /**
   * The commit of an input for this job: the triggering commit; else the input repo's commit in
   * the same commit set (a sibling output of the same change); else the branch's newest
   * finished commit.
   */
  async #inputCommit(
    leaf: PfsInput,
    commitSet: CommitSetId,
    trigger: Trigger | undefined,
  ): Promise<CommitId | undefined> {
    const { kv, versioning } = this.#deps;
    if (trigger && trigger.repo === leaf.repo && trigger.branch === leaf.branch) return trigger.commit;
    const members = await kv.scan(`${kvKeys.commitSetPrefix(commitSet)}${leaf.repo}/`, { limit: 1 });
    const member = members.items[0];
    if (member) {
      const id = member.key.slice(member.key.lastIndexOf('/') + 1);
      const info = await versioning.inspectCommit({
        repo: leaf.repo,
        base: { kind: 'commit', commit: parseCommitId(id) },
        ancestors: 0,
      });
      if (info.state !== 'open') return info.id;
    }
    try {
      let info = await versioning.inspectCommit({
        repo: leaf.repo,
        base: { kind: 'branch', branch: leaf.branch },
        ancestors: 0,
      });
      if (info.state === 'open') {
        if (!info.parent) return undefined;
        info = await versioning.inspectCommit({
          repo: leaf.repo,
          base: { kind: 'commit', commit: info.parent },
          ancestors: 0,
        });
      }
      return info.id;
    } catch {
      return undefined;
    }
  }
}
