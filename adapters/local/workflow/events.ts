/**
 * The local workflow engine's progress events: aws-local-stepfunctions' execution event log,
 * flattened into one small shape so callers can log progress without the library's types.
 * Events of a map's children carry `mapIndex`, the item's (work unit's) position in the manifest.
 */
import type { StateMachine } from 'aws-local-stepfunctions';
import type { JsonValue } from '../../../pipelines/workflow/asl-json.ts';

type LibraryEvents = ReturnType<StateMachine['run']>['eventLogs'];
type LibraryEvent = LibraryEvents extends AsyncGenerator<infer Event> ? Event : never;

export type WorkflowEventType = LibraryEvent['type'];

export interface WorkflowEvent {
  readonly type: WorkflowEventType;
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
  /** The state entered, exited, failed, retried or caught; for map iterations, the Map state. */
  readonly stateName?: string;
  readonly stateType?: string;
  readonly mapIndex?: number;
  /** For failures: the error's name and cause. */
  readonly error?: string;
  readonly cause?: string;
  /** For StateRetried: how many retries this retrier had made before this one. */
  readonly retryAttempt?: number;
  /** The state's input (and, on exit, output): the payload Step Functions would carry. */
  readonly input?: JsonValue;
  readonly output?: JsonValue;
}

export function toWorkflowEvent(event: LibraryEvent): WorkflowEvent {
  const base = { type: event.type, timestamp: event.timestamp };
  switch (event.type) {
    case 'ExecutionStarted':
      return { ...base, input: event.input };
    case 'ExecutionSucceeded':
      return { ...base, output: event.output };
    case 'ExecutionFailed':
      return { ...base, error: event.Error, cause: causeText(event.Cause) };
    case 'ExecutionAborted':
    case 'ExecutionTimeout':
      return base;
    case 'MapIterationStarted':
    case 'MapIterationSucceeded':
      return { ...base, stateName: event.parentState.name, stateType: 'Map', mapIndex: event.index };
    case 'MapIterationFailed':
      return {
        ...base,
        stateName: event.parentState.name,
        stateType: 'Map',
        mapIndex: event.index,
        error: event.Error,
        cause: causeText(event.Cause),
      };
    case 'ParallelBranchStarted':
    case 'ParallelBranchSucceeded':
      return { ...base, stateName: event.parentState.name, stateType: 'Parallel' };
    case 'ParallelBranchFailed':
      return {
        ...base,
        stateName: event.parentState.name,
        stateType: 'Parallel',
        error: event.Error,
        cause: causeText(event.Cause),
      };
    case 'StateEntered':
    case 'StateExited':
    case 'StateCaught':
      return { ...base, ...stateOf(event), output: event.state.output };
    case 'StateFailed':
      return { ...base, ...stateOf(event), error: event.Error, cause: causeText(event.Cause) };
    case 'StateRetried':
      return { ...base, ...stateOf(event), retryAttempt: event.retry.attempt };
  }
}

function stateOf(event: Extract<LibraryEvent, { state: unknown }>) {
  return {
    stateName: event.state.name,
    stateType: event.state.type,
    mapIndex: event.index,
    input: event.state.input,
  };
}

function causeText(cause: unknown): string {
  if (typeof cause === 'string') return cause;
  if (cause instanceof Error) return cause.message;
  return JSON.stringify(cause) ?? String(cause);
}
