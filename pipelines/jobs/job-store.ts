/** Reads and moves job and pipeline records; every change is a compare-and-set retry loop. */
import { ConflictError, NotFoundError } from '../../versioning/errors.ts';
import { decodeRecord, encodeRecord } from '../../versioning/graph/records.ts';
import { type CommitSetId, parseCommitSetId, parseRepoName, type RepoName } from '../../versioning/ids.ts';
import { allPages, type KvStore, type Page } from '../../versioning/ports.ts';
import { pipelineKeys } from './keys.ts';
import {
  type JobRecord,
  jobRecord,
  type PipelineRecord,
  pipelineRecord,
  terminalJobStates,
} from './records.ts';

export class JobStore {
  readonly #kv: KvStore;

  constructor(kv: KvStore) {
    this.#kv = kv;
  }

  async findPipeline(name: RepoName): Promise<PipelineRecord | undefined> {
    const key = pipelineKeys.pipeline(name);
    const item = await this.#kv.get(key);
    return item && decodeRecord(pipelineRecord, key, item.value);
  }

  async getPipeline(name: RepoName): Promise<PipelineRecord> {
    const found = await this.findPipeline(name);
    if (!found)
      throw new NotFoundError(`pipeline ${name} not found; list pipelines with 'strata list pipeline'`);
    return found;
  }

  async listPipelines(): Promise<PipelineRecord[]> {
    const found: PipelineRecord[] = [];
    for await (const item of allPages((after) => this.#kv.scan(pipelineKeys.pipelinePrefix(), { after }))) {
      found.push(decodeRecord(pipelineRecord, item.key, item.value));
    }
    return found;
  }

  /** Applies `change` to the pipeline record by compare-and-set, retrying on a lost race. */
  async updatePipeline(
    name: RepoName,
    change: (record: PipelineRecord) => PipelineRecord,
  ): Promise<PipelineRecord> {
    const key = pipelineKeys.pipeline(name);
    for (;;) {
      const item = await this.#kv.get(key);
      if (!item) throw new NotFoundError(`pipeline ${name} not found`);
      const next = change(decodeRecord(pipelineRecord, key, item.value));
      if (await this.#kv.compareAndSet(key, item.version, encodeRecord(next))) return next;
    }
  }

  async findJob(pipeline: RepoName, commitSet: CommitSetId): Promise<JobRecord | undefined> {
    const key = pipelineKeys.job(pipeline, commitSet);
    const item = await this.#kv.get(key);
    return item && decodeRecord(jobRecord, key, item.value);
  }

  async getJob(pipeline: RepoName, commitSet: CommitSetId): Promise<JobRecord> {
    const found = await this.findJob(pipeline, commitSet);
    if (!found)
      throw new NotFoundError(
        `job ${pipeline}@${commitSet} not found; list jobs with 'strata list job -p ${pipeline}'`,
      );
    return found;
  }

  /** Creates the job unless it exists: true when this call created it. */
  async createJob(job: JobRecord, createdMs: number): Promise<boolean> {
    if (!(await this.#kv.putIfAbsent(pipelineKeys.job(job.pipeline, job.commitSet), encodeRecord(job))))
      return false;
    await this.#kv.putIfAbsent(pipelineKeys.jobLog(job.pipeline, createdMs, job.commitSet), '');
    await this.#kv.putIfAbsent(pipelineKeys.commitSetJob(job.commitSet, job.pipeline), '');
    return true;
  }

  /**
   * Applies `change` to the job by compare-and-set. A job in a terminal state is never changed
   * again: the change is refused with a ConflictError.
   */
  async updateJob(
    pipeline: RepoName,
    commitSet: CommitSetId,
    change: (job: JobRecord) => JobRecord,
  ): Promise<JobRecord> {
    const key = pipelineKeys.job(pipeline, commitSet);
    for (;;) {
      const item = await this.#kv.get(key);
      if (!item) throw new NotFoundError(`job ${pipeline}@${commitSet} not found`);
      const current = decodeRecord(jobRecord, key, item.value);
      if (terminalJobStates.has(current.state)) {
        throw new ConflictError(`job ${pipeline}@${commitSet} already ended (${current.state})`);
      }
      const next = change(current);
      if (await this.#kv.compareAndSet(key, item.version, encodeRecord(next))) return next;
    }
  }

  /** Jobs of a pipeline, newest first. */
  async listJobs(
    pipeline: RepoName,
    options: { limit?: number; after?: string } = {},
  ): Promise<Page<JobRecord>> {
    const prefix = pipelineKeys.jobLogPrefix(pipeline);
    const page = await this.#kv.scan(prefix, { after: options.after, limit: options.limit ?? 100 });
    const jobs: JobRecord[] = [];
    for (const item of page.items) {
      const job = await this.findJob(
        pipeline,
        parseCommitSetId(item.key.slice(item.key.lastIndexOf('/') + 1)),
      );
      if (job) jobs.push(job);
    }
    return page.next ? { items: jobs, next: page.next } : { items: jobs };
  }

  async jobsOfCommitSet(commitSet: CommitSetId): Promise<JobRecord[]> {
    const prefix = pipelineKeys.commitSetJobPrefix(commitSet);
    const jobs: JobRecord[] = [];
    for await (const item of allPages((after) => this.#kv.scan(prefix, { after }))) {
      const pipeline = item.key.slice(prefix.length);
      const job = await this.findJob(parseRepoName(pipeline), commitSet);
      if (job) jobs.push(job);
    }
    return jobs;
  }
}
