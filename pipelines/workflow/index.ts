/**
 * The job workflow: ONE Amazon States Language file, `job-workflow.asl.json`, run by Step Functions
 * in AWS and by aws-local-stepfunctions on one machine (after the local rewrite). The domain code
 * behind its steps lives elsewhere; this folder holds the definition, its contract and the rewrite.
 *
 *   Plan ──▶ RunUnits (Distributed Map over the manifest) ──▶ Assemble ──▶ JobSucceeded
 *    │            │ each unit: RouteUnit ─▶ RunUnitLocally | RunUnitOnBatch | RunUnitOnEks
 *    └────────────┴──────────────┴──▶ MarkFailed ──▶ JobFailed
 *
 * Rules and the reasons for them:
 * - Keys, never data (the 256 KiB payload cap): Plan writes the units as a JSONL manifest and
 *   returns its key; the map reads it with an ItemReader; unit outcomes and datum records go to the
 *   store; the map's results go to S3 through a ResultWriter and `ResultPath` is null.
 * - Children are STANDARD executions: `.sync` integrations (Batch, EKS) are not allowed in EXPRESS.
 * - No ItemBatcher: Plan already groups datums into units sized for one runner start (one Batch
 *   job or pod), so each child runs exactly one unit; a second batching layer would force a loop
 *   inside the child and blur which unit failed.
 * - Datum failures never fail a unit: the runner records them (Assemble decides the job's state
 *   from the records). A failed unit is an infrastructure failure, retried by its Task, then
 *   counted against `ToleratedFailurePercentagePath` (Plan's `toleratedFailurePercentage`, 0 by
 *   default); past it the map fails with States.ExceedToleratedFailureThreshold, caught like any
 *   other failure by MarkFailed, which finishes the output commit with an error.
 * - Concurrency is the pipeline's: `MaxConcurrencyPath` reads Plan's `parallelism`.
 * - Timeouts: each unit Task reads `TimeoutSecondsPath` from Plan's `unitTimeoutSeconds` (from
 *   job_timeout / datum_timeout); the runner enforces datum_timeout itself. ASL has no per-execution
 *   timeout read from the input, so a whole-job deadline is the orchestrator's (StopExecution in
 *   AWS, the run's AbortSignal locally). Lambda steps are bounded by their function's timeout.
 *
 * Why one Choice and three unit Tasks rather than one Task filled in by substitutions: the backend
 * is chosen per pipeline (its compute block) at run time, while DefinitionSubstitutions are fixed at
 * deploy time, so a substituted Resource would need one state machine per backend; and a Task's
 * Parameters cannot be substituted as a whole (placeholders live inside JSON strings), while Batch
 * (JobQueue, JobDefinition, Parameters) and EKS (ClusterName, Endpoint, Job manifest) requests have
 * nothing in common. Three small Tasks also keep backend-specific Retry rules (a failed Batch job
 * or pod is retried; a local unit only on Strata.TransientError). The duplication is three Retry
 * blocks; every per-pipeline value (queue, job definition, namespace, pod spec) comes from Plan's
 * `compute`, so the Tasks stay generic. Locally all three run the same unit handler.
 */
export * from './asl-json.ts';
export * from './job-workflow.ts';
export * from './local-rewrite.ts';
export * from './tolerated-failures.ts';
