/**
 * The Orchestrator port: runs one job's workflow (the ASL in pipelines/workflow) to its end. In
 * AWS it starts a Step Functions execution; locally it runs the same definition in-process.
 * Either way the workflow's steps are the JobTasks, and a failed step ends in MarkFailed, so
 * when `runJob` resolves the job is in a terminal state.
 */
import type { CommitSetId, RepoName } from '../versioning/ids.ts';

export interface JobKey {
  readonly pipeline: RepoName;
  readonly job: CommitSetId;
}

export interface JobOrchestrator {
  runJob(job: JobKey, signal: AbortSignal): Promise<void>;
}
