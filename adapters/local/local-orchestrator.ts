/**
 * Runs job workflows in-process: the job workflow ASL on aws-local-stepfunctions (through
 * LocalWorkflowEngine), with each task state mapped to the domain's JobTasks.
 */

import type { JobTasks } from '../../pipelines/jobs/job-tasks.ts';
import type { JobKey, JobOrchestrator } from '../../pipelines/orchestrator.ts';
import { LocalWorkflowEngine, type WorkflowEvent } from './workflow-engine.ts';

export interface LocalOrchestratorProps {
  readonly tasks: JobTasks;
  /** Each state transition of each job, for progress output. */
  readonly onEvent?: (job: JobKey, event: WorkflowEvent) => void;
}

export class LocalOrchestrator implements JobOrchestrator {
  readonly #props: LocalOrchestratorProps;
  #workflow: LocalWorkflowEngine | undefined;

  constructor(props: LocalOrchestratorProps) {
    this.#props = props;
  }

  /** Built on the first job: loading and validating the definition costs most of a CLI start. */
  get #engine(): LocalWorkflowEngine {
    const { tasks } = this.#props;
    this.#workflow ??= new LocalWorkflowEngine({
      handlers: {
        plan: (input) => tasks.plan(input),
        readManifest: (location) => tasks.readManifest(location),
        runUnit: (input) => tasks.runUnit(input),
        assemble: (input) => tasks.assemble(input),
        markFailed: (input) => tasks.markFailed(input),
      },
    });
    return this.#workflow;
  }

  async runJob(job: JobKey, signal: AbortSignal): Promise<void> {
    const onEvent = this.#props.onEvent;
    const outcome = await this.#engine.run(
      { jobId: job.job, pipeline: job.pipeline },
      { signal, ...(onEvent ? { onEvent: (event: WorkflowEvent) => onEvent(job, event) } : {}) },
    );
    if (outcome.status === 'succeeded') return;
    // MarkFailed ran for a failed step; an abort or a timeout ends the execution without it.
    const reason =
      outcome.status === 'failed'
        ? `${outcome.error}: ${outcome.cause}`
        : outcome.status === 'aborted'
          ? `stopped: ${String(signal.reason ?? 'stop requested')}`
          : 'the job timed out';
    await this.#props.tasks.fail(
      job.pipeline,
      job.job,
      outcome.status === 'failed' ? 'failure' : 'killed',
      reason,
    );
  }
}
