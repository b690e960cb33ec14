/**
 * The job workflow's contract: what each step of `job-workflow.asl.json` receives and returns, the
 * placeholders a deployment substitutes, and the error names its Retry and Catch rules match.
 * Step Functions in AWS and the local engine run the same file, so these schemas hold for both;
 * the Lambda handlers and the local task handlers parse with them.
 *
 * Rules of the payload (Step Functions caps a state's input and output at 256 KiB):
 * - The workflow carries object keys and counts, never data. Plan writes the work units to a JSONL
 *   manifest in the object store and returns its key; each child of the map gets one unit's key.
 * - Unit outcomes and datum records go to the store, written by the unit runner; Assemble reads
 *   them there. The map's own results go to S3 through its ResultWriter and never to the payload.
 * - Plan's result is copied into every state after it, so it is capped at MAX_PLAN_RESULT_BYTES.
 */
import { z } from 'zod';
import { JsonObjectSchema, type JsonValue, JsonValueSchema } from './asl-json.ts';
import jobWorkflowJson from './job-workflow.asl.json' with { type: 'json' };

/** The definition file, for CDK's `DefinitionBody.fromFile`. */
export const JOB_WORKFLOW_DEFINITION_URL = new URL('./job-workflow.asl.json', import.meta.url);

/**
 * The definition as parsed JSON (imported as a JSON module, so no I/O). A fresh copy each call:
 * ASL validators annotate the object they are given.
 */
export function jobWorkflowDefinition(): JsonValue {
  return JsonValueSchema.parse(structuredClone(jobWorkflowJson));
}

/**
 * The `${Name}` placeholders in the definition, which a deployment fills through
 * DefinitionSubstitutions. The Lambda ones are function ARNs invoked directly (the task's output
 * is the function's return value, not a `Payload` envelope).
 */
export const JOB_WORKFLOW_PLACEHOLDERS = {
  planTask: 'PlanTaskArn',
  runUnitTask: 'RunUnitTaskArn',
  assembleTask: 'AssembleTaskArn',
  markFailedTask: 'FailTaskArn',
  eksClusterName: 'EksClusterName',
  eksCertificateAuthority: 'EksCertificateAuthority',
  eksEndpoint: 'EksEndpoint',
} as const;

/** The service integrations that run a unit on a cluster; locally they run the unit handler. */
export const BATCH_RUN_UNIT_RESOURCE = 'arn:aws:states:::batch:submitJob.sync';
export const EKS_RUN_UNIT_RESOURCE = 'arn:aws:states:::eks:runJob.sync';

/** Error names the definition's Retry and Catch rules match (a thrown error's `name`). */
export const WORKFLOW_ERROR_NAMES = {
  /** Worth retrying with backoff: throttling, a lost connection, a busy store. */
  transient: 'Strata.TransientError',
  /** A step received or returned something outside this contract: a bug, never retried. */
  contractViolation: 'Strata.ContractViolation',
  /** Plan resolved a compute backend the workflow has no route for. */
  unsupportedComputeBackend: 'Strata.UnsupportedComputeBackend',
} as const;

/** Thrown by a step whose failure may pass on a later attempt; the workflow retries it with backoff. */
export class TransientWorkflowError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = WORKFLOW_ERROR_NAMES.transient;
  }
}

/** Thrown when a step's input or result breaks this contract. */
export class WorkflowContractError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = WORKFLOW_ERROR_NAMES.contractViolation;
  }
}

/** Plan's result is copied into every later state and into each unit's input: keep it small. */
export const MAX_PLAN_RESULT_BYTES = 32 * 1024;

/** Step Functions' largest TimeoutSeconds. */
export const MAX_STEP_FUNCTIONS_TIMEOUT_SECONDS = 99_999_999;

export const ObjectLocationSchema = z.object({ bucket: z.string().min(1), key: z.string().min(1) });
export type ObjectLocation = z.infer<typeof ObjectLocationSchema>;

/**
 * Where a unit runs, resolved by Plan from the pipeline's compute block and the deployment:
 * `local` the process executor (in AWS, the function behind RunUnitTaskArn); `batch` a job on the
 * given queue from the pipeline's job definition (the runner beside the user's container); `eks`
 * a Kubernetes Job in `namespace` with the pipeline's pod spec.
 */
export const ComputeTargetSchema = z.discriminatedUnion('backend', [
  z.object({ backend: z.literal('local') }).catchall(JsonValueSchema),
  z
    .object({ backend: z.literal('batch'), jobQueue: z.string().min(1), jobDefinition: z.string().min(1) })
    .catchall(JsonValueSchema),
  z
    .object({ backend: z.literal('eks'), namespace: z.string().min(1), podSpec: JsonObjectSchema })
    .catchall(JsonValueSchema),
]);
export type ComputeTarget = z.infer<typeof ComputeTargetSchema>;

/**
 * One line of the manifest: a work unit, a batch of datums run by one runner (one Batch job, one
 * pod, one local executor call). `key` names the object, in the manifest's bucket, that lists the
 * unit's datums.
 */
export const WorkUnitSchema = z
  .object({ unitId: z.string().min(1), key: z.string().min(1) })
  .catchall(JsonValueSchema);
export type WorkUnit = z.infer<typeof WorkUnitSchema>;

/** The execution's input, given by the dispatcher. Extra fields (output commit, global ID) pass through. */
export const JobWorkflowInputSchema = z
  .object({ jobId: z.string().min(1), pipeline: z.string().min(1) })
  .catchall(JsonValueSchema);
export type JobWorkflowInput = z.infer<typeof JobWorkflowInputSchema>;

/** Plan's result, kept at `$.plan`. */
export const PlanResultSchema = z
  .object({
    /** The JSONL manifest: one WorkUnit per line. */
    manifest: ObjectLocationSchema,
    unitCount: z.int().min(0),
    /** The map's MaxConcurrency: the pipeline's parallelism_spec, capped by the backend. */
    parallelism: z.int().min(1).max(10_000),
    /** Units that may fail (infrastructure failures, after retries) before the job fails. */
    toleratedFailurePercentage: z.number().min(0).max(100),
    /** The unit step's timeout: the pipeline's job_timeout or a bound from datum_timeout. */
    unitTimeoutSeconds: z.int().min(1).max(MAX_STEP_FUNCTIONS_TIMEOUT_SECONDS),
    compute: ComputeTargetSchema,
  })
  .catchall(JsonValueSchema)
  .refine((plan) => JSON.stringify(plan).length <= MAX_PLAN_RESULT_BYTES, {
    message: `Plan's result must hold object keys and counts only, at most ${MAX_PLAN_RESULT_BYTES} bytes of JSON: write data to the object store and return its key`,
  });
export type PlanResult = z.infer<typeof PlanResultSchema>;

/** A unit step's input, built by the map's ItemSelector. */
export const UnitTaskInputSchema = z.object({
  jobId: z.string().min(1),
  pipeline: z.string().min(1),
  /** The unit's line number in the manifest, from 0. */
  unitIndex: z.int().min(0),
  unit: WorkUnitSchema,
  /** The manifest's bucket, which also holds the unit's datum list. */
  bucket: z.string().min(1),
  compute: ComputeTargetSchema,
  timeoutSeconds: z.int().min(1),
});
export type UnitTaskInput = z.infer<typeof UnitTaskInputSchema>;

/** What a Catch puts at `$.error`. */
export const WorkflowErrorInfoSchema = z.object({ Error: z.string(), Cause: z.string().optional() });
export type WorkflowErrorInfo = z.infer<typeof WorkflowErrorInfoSchema>;

/** Assemble's input: the execution input with Plan's result. Its result is kept at `$.assembly`. */
export const AssembleInputSchema = JobWorkflowInputSchema.extend({ plan: PlanResultSchema });
export type AssembleInput = z.infer<typeof AssembleInputSchema>;

/** MarkFailed's input: whatever state the failure left, with the error. `plan` is absent when Plan failed. */
export const MarkFailedInputSchema = JobWorkflowInputSchema.extend({
  plan: PlanResultSchema.optional(),
  error: WorkflowErrorInfoSchema,
});
export type MarkFailedInput = z.infer<typeof MarkFailedInputSchema>;
