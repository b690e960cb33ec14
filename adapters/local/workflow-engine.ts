/**
 * The local workflow engine: runs the job workflow (pipelines/workflow/job-workflow.asl.json, the
 * file Step Functions runs in AWS) on one machine with aws-local-stepfunctions. The definition
 * goes through the local rewrite (pipelines/workflow/local-rewrite.ts) once, then every execution
 * runs it with each Task bound to an injected handler by its Resource:
 *
 *   ${PlanTaskArn}                         → plan(input)
 *   <Map>.ReadItems (the map's ItemReader) → readManifest({bucket, key}) → items
 *   ${RunUnitTaskArn}, batch:submitJob.sync, eks:runJob.sync → runUnit(unitInput)
 *   ${AssembleTaskArn}                     → assemble(input)
 *   ${FailTaskArn}                         → markFailed(input)
 *   <Map>.CheckFailures                    → the engine's own tolerated-failure check
 *
 * The engine does not know what the handlers do; it parses what goes in and comes out of them with
 * the workflow contract's schemas, so a breach fails the step with Strata.ContractViolation.
 * A Task with no handler would make the library call AWS, so construction refuses such a definition.
 *
 * Stopping: `run(input, {signal})` aborts the execution when the signal fires. The library stops
 * moving between states but cannot interrupt a running handler, so handlers get an AbortSignal of
 * their own and must stop promptly when it fires; `run` settles only after they have.
 */
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
  StateMachine,
} from 'aws-local-stepfunctions';
import { z } from 'zod';
import {
  type AslStateMachine,
  forEachState,
  type JsonObject,
  JsonObjectSchema,
  type JsonValue,
  JsonValueSchema,
} from '../../pipelines/workflow/asl-json.ts';
import {
  type AssembleInput,
  AssembleInputSchema,
  BATCH_RUN_UNIT_RESOURCE,
  EKS_RUN_UNIT_RESOURCE,
  JOB_WORKFLOW_PLACEHOLDERS,
  type JobWorkflowInput,
  JobWorkflowInputSchema,
  jobWorkflowDefinition,
  type MarkFailedInput,
  MarkFailedInputSchema,
  type ObjectLocation,
  type PlanResult,
  PlanResultSchema,
  type UnitTaskInput,
  UnitTaskInputSchema,
  WorkflowContractError,
  WorkUnitSchema,
} from '../../pipelines/workflow/job-workflow.ts';
import {
  LOCAL_TASK_RESOURCES,
  localPlaceholderArn,
  MAX_LOCAL_TIMER_SECONDS,
  rewriteForLocalEngine,
} from '../../pipelines/workflow/local-rewrite.ts';
import { checkToleratedFailures } from '../../pipelines/workflow/tolerated-failures.ts';
import { InvalidArgumentError } from '../../versioning/errors.ts';
import { toWorkflowEvent, type WorkflowEvent } from './workflow/events.ts';

export type { WorkflowEvent, WorkflowEventType } from './workflow/events.ts';

/** What a handler gets besides its input. */
export interface TaskContext {
  /** Fires when the job is stopped (or the execution ended without this step); stop promptly. */
  readonly signal: AbortSignal;
  /** The state being run, e.g. `RunUnitLocally`, for logs. */
  readonly stateName: string;
}

/**
 * The domain behind each step. Throw TransientWorkflowError for a failure worth retrying; any other
 * error fails the step (and, after the definition's retries, the job or the unit).
 */
export interface JobWorkflowHandlers {
  /** Plans the job and writes the manifest; returns keys and counts only. */
  plan(input: JobWorkflowInput, context: TaskContext): Promise<PlanResult>;
  /** Reads the manifest Plan wrote: its work units, in order. */
  readManifest(manifest: ObjectLocation, context: TaskContext): Promise<readonly unknown[]>;
  /** Runs one work unit; its datum outcomes go to the store, not to the workflow. */
  runUnit(input: UnitTaskInput, context: TaskContext): Promise<void>;
  /** Assembles and finishes the output commit; the small summary returned is kept at `$.assembly`. */
  assemble(input: AssembleInput, context: TaskContext): Promise<JsonObject>;
  /** Records the error on the job and finishes the output commit with an error. */
  markFailed(input: MarkFailedInput, context: TaskContext): Promise<void>;
}

export type WorkflowOutcome =
  | { readonly status: 'succeeded'; readonly output: JsonValue }
  | { readonly status: 'failed'; readonly error: string; readonly cause: string }
  | { readonly status: 'aborted' }
  /** The definition's own TimeoutSeconds elapsed. */
  | { readonly status: 'timed-out' };

export interface LocalWorkflowEngineOptions {
  readonly handlers: JobWorkflowHandlers;
  /**
   * The ASL definition, as parsed JSON.
   * @default - the job workflow, job-workflow.asl.json
   */
  readonly definition?: unknown;
  /**
   * Timeout of Tasks that set none (the library's own default is 60 s).
   * @default MAX_LOCAL_TIMER_SECONDS
   */
  readonly taskTimeoutSeconds?: number;
  /**
   * Pause before every retry, in ms, instead of the definition's backoff (tests use 0).
   * @default - the definition's IntervalSeconds, BackoffRate and jitter
   */
  readonly retryDelayMs?: number;
}

export interface WorkflowRunOptions {
  /** Stops the job: no further state starts, and the running handlers' signals fire. */
  readonly signal?: AbortSignal;
  /** Every state transition, retry and map iteration, in order. If it throws, it is called no more. */
  readonly onEvent?: (event: WorkflowEvent) => void;
}

type TaskRole = 'plan' | 'readItems' | 'runUnit' | 'assemble' | 'markFailed' | 'checkToleratedFailures';

const ROLE_BY_RESOURCE = new Map<string, TaskRole>([
  [localPlaceholderArn(JOB_WORKFLOW_PLACEHOLDERS.planTask), 'plan'],
  [LOCAL_TASK_RESOURCES.readItems, 'readItems'],
  [localPlaceholderArn(JOB_WORKFLOW_PLACEHOLDERS.runUnitTask), 'runUnit'],
  [BATCH_RUN_UNIT_RESOURCE, 'runUnit'],
  [EKS_RUN_UNIT_RESOURCE, 'runUnit'],
  [localPlaceholderArn(JOB_WORKFLOW_PLACEHOLDERS.assembleTask), 'assemble'],
  [localPlaceholderArn(JOB_WORKFLOW_PLACEHOLDERS.markFailedTask), 'markFailed'],
  [LOCAL_TASK_RESOURCES.checkToleratedFailures, 'checkToleratedFailures'],
]);

export class LocalWorkflowEngine {
  /** The definition as run: the job workflow after the local rewrite. */
  readonly definition: AslStateMachine;
  private readonly machine: StateMachine;
  private readonly handlers: JobWorkflowHandlers;
  private readonly roleByState = new Map<string, TaskRole>();
  private readonly retryIntervalOverrides: Record<string, number> = {};

  constructor(options: LocalWorkflowEngineOptions) {
    this.handlers = options.handlers;
    this.definition = rewriteForLocalEngine(options.definition ?? jobWorkflowDefinition(), {
      defaultTaskTimeoutSeconds: options.taskTimeoutSeconds,
    });
    forEachState(this.definition, (name, state) => {
      if (options.retryDelayMs !== undefined && state.Retry !== undefined) {
        this.retryIntervalOverrides[name] = options.retryDelayMs;
      }
      if (state.Type !== 'Task') return;
      const role = typeof state.Resource === 'string' ? ROLE_BY_RESOURCE.get(state.Resource) : undefined;
      if (role === undefined) {
        throw new InvalidArgumentError(
          `Task state "${name}" has Resource ${JSON.stringify(state.Resource)}, which the local engine has no ` +
            'handler for (aws-local-stepfunctions would call AWS); use one of the job workflow placeholders.',
        );
      }
      this.roleByState.set(name, role);
    });
    // The shipped definition is validated by the test suite (workflow-local-rewrite): skipping the
    // schema check here saves ~200 ms of every CLI command that runs a job.
    this.machine = createStateMachine(this.definition, { validate: options.definition !== undefined });
  }

  /**
   * Runs one job to its end and resolves with how it ended. Rejects only for an invalid input, a
   * throwing `onEvent` listener (after the run) or a fault of the engine itself.
   */
  async run(input: JobWorkflowInput, options: WorkflowRunOptions = {}): Promise<WorkflowOutcome> {
    const parsedInput = JobWorkflowInputSchema.safeParse(input);
    if (!parsedInput.success) {
      throw new InvalidArgumentError(
        `The job workflow input is invalid: ${z.prettifyError(parsedInput.error)}`,
      );
    }
    if (options.signal?.aborted) return { status: 'aborted' };
    const stop = new AbortController();
    const inFlight = new Set<Promise<unknown>>();
    const taskResourceLocalHandlers: Record<string, (input: JsonValue) => Promise<JsonValue>> = {};
    for (const [stateName, role] of this.roleByState) {
      taskResourceLocalHandlers[stateName] = (taskInput) => {
        const call = this.perform(role, taskInput, { signal: stop.signal, stateName });
        inFlight.add(call);
        call.then(
          () => inFlight.delete(call),
          () => inFlight.delete(call),
        );
        return call;
      };
    }
    const execution = this.machine.run(parsedInput.data, {
      overrides: { taskResourceLocalHandlers, retryIntervalOverrides: this.retryIntervalOverrides },
    });
    const abort = () => {
      stop.abort();
      execution.abort();
    };
    options.signal?.addEventListener('abort', abort, { once: true });
    const delivered = deliverEvents(execution.eventLogs, options.onEvent);
    let outcome: WorkflowOutcome;
    try {
      outcome = { status: 'succeeded', output: JsonValueSchema.parse(await execution.result) };
    } catch (error) {
      outcome = outcomeOf(error);
    } finally {
      options.signal?.removeEventListener('abort', abort);
      stop.abort();
      await Promise.allSettled([...inFlight]);
    }
    const listenerFailure = await delivered;
    if (listenerFailure !== undefined) {
      throw new Error('The onEvent listener threw; events after that were not delivered.', {
        cause: listenerFailure.error,
      });
    }
    return outcome;
  }

  private async perform(role: TaskRole, input: JsonValue, context: TaskContext): Promise<JsonValue> {
    if (context.signal.aborted) throw new WorkflowStoppedError(context.stateName);
    try {
      return await this.dispatch(role, input, context);
    } catch (error) {
      throw error instanceof Error ? error : new Error(String(error));
    }
  }

  private async dispatch(role: TaskRole, input: JsonValue, context: TaskContext): Promise<JsonValue> {
    const { handlers } = this;
    switch (role) {
      case 'plan': {
        const planInput = parseContract(JobWorkflowInputSchema, input, `${context.stateName}'s input`);
        const plan = parseContract(
          PlanResultSchema,
          await handlers.plan(planInput, context),
          `plan's result`,
        );
        // The unit step's TimeoutSecondsPath points here; beyond the cap Node's timer fires at once.
        return { ...plan, unitTimeoutSeconds: Math.min(plan.unitTimeoutSeconds, MAX_LOCAL_TIMER_SECONDS) };
      }
      case 'readItems':
        return this.readItems(input, context);
      case 'runUnit':
        await handlers.runUnit(
          parseContract(UnitTaskInputSchema, input, `${context.stateName}'s input`),
          context,
        );
        return null;
      case 'assemble': {
        const assembleInput = parseContract(AssembleInputSchema, input, `${context.stateName}'s input`);
        return parseContract(
          JsonObjectSchema,
          await handlers.assemble(assembleInput, context),
          `assemble's result`,
        );
      }
      case 'markFailed':
        await handlers.markFailed(
          parseContract(MarkFailedInputSchema, input, `${context.stateName}'s input`),
          context,
        );
        return null;
      case 'checkToleratedFailures':
        return checkToleratedFailures(input);
    }
  }

  private async readItems(input: JsonValue, context: TaskContext): Promise<JsonValue> {
    const { reader, maxItems } = parseContract(
      ReadItemsParametersSchema,
      input,
      `${context.stateName}'s input`,
    );
    const manifest = { bucket: reader.Bucket, key: reader.Key };
    let items: unknown;
    try {
      items = await this.handlers.readManifest(manifest, context);
    } catch (error) {
      throw new ItemReaderFailedError(
        `Reading the manifest ${manifest.bucket}/${manifest.key} failed: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    const lines = parseContract(z.array(z.unknown()), items, `readManifest's result`);
    return lines.slice(0, maxItems ?? lines.length).map((item, i) => {
      const unit = WorkUnitSchema.safeParse(item);
      if (!unit.success) {
        throw new WorkflowContractError(
          `Line ${i + 1} of the manifest ${manifest.bucket}/${manifest.key} is not a work unit: ${z.prettifyError(unit.error)}`,
        );
      }
      return unit.data;
    });
  }
}

/** What `<Map>.ReadItems` passes: the ItemReader's S3 parameters and reader config. */
const ReadItemsParametersSchema = z.object({
  reader: z.object({ Bucket: z.string().min(1), Key: z.string().min(1) }).loose(),
  inputType: z.string(),
  maxItems: z.int().min(1).optional(),
});

/** Step Functions' name for a Distributed Map that could not read its items. */
class ItemReaderFailedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'States.ItemReaderFailed';
  }
}

class WorkflowStoppedError extends Error {
  constructor(stateName: string) {
    super(`${stateName} did not start: the job was stopped.`);
    this.name = 'Strata.Stopped';
  }
}

function parseContract<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new WorkflowContractError(
      `${what} breaks the job workflow contract: ${z.prettifyError(parsed.error)}`,
    );
  }
  return parsed.data;
}

function outcomeOf(error: unknown): WorkflowOutcome {
  if (error instanceof ExecutionAbortedError) return { status: 'aborted' };
  if (error instanceof ExecutionTimeoutError) return { status: 'timed-out' };
  if (error instanceof ExecutionError && error.cause instanceof Error) {
    return { status: 'failed', error: error.cause.name, cause: error.cause.message };
  }
  throw error;
}

async function deliverEvents(
  events: ReturnType<StateMachine['run']>['eventLogs'],
  onEvent: ((event: WorkflowEvent) => void) | undefined,
): Promise<{ error: unknown } | undefined> {
  let failure: { error: unknown } | undefined;
  // Drained to the end even without a listener: the library queues every event until it is read.
  for await (const event of events) {
    if (onEvent === undefined || failure !== undefined) continue;
    try {
      onEvent(toWorkflowEvent(event));
    } catch (error) {
      failure = { error };
    }
  }
  return failure;
}

/**
 * Hands a definition to aws-local-stepfunctions, whose constructor validates all of it against the
 * ASL schema (ARNs and paths included) and throws with its findings.
 */
export function createStateMachine(
  definition: AslStateMachine,
  options: { validate?: boolean } = {},
): StateMachine {
  if (!hasKnownStateTypes(definition)) {
    throw new InvalidArgumentError('The workflow definition has a state of an unknown Type.');
  }
  const validationOptions =
    options.validate === false ? { noValidate: true } : { checkArn: true, checkPaths: true };
  return new StateMachine(definition, { validationOptions });
}

const STATE_TYPES = new Set(['Task', 'Parallel', 'Map', 'Pass', 'Wait', 'Choice', 'Succeed', 'Fail']);

/** Checks only what TypeScript needs to hand the definition over; the constructor checks the rest. */
function hasKnownStateTypes(
  definition: AslStateMachine,
): definition is AslStateMachine & StateMachineDefinition {
  let known = true;
  forEachState(definition, (_, state) => {
    if (!STATE_TYPES.has(state.Type)) known = false;
  });
  return known;
}
