/**
 * The local rewrite: makes a definition written for AWS Step Functions run on aws-local-stepfunctions
 * with the same behaviour. That engine runs Task, Choice, Pass, Fail, inline Map, Retry and Catch
 * faithfully, runs every Task through a local handler keyed by state name, and arms a Node timer
 * for each Task; it ignores ItemReader, ItemBatcher, ResultWriter and ToleratedFailure*, and
 * cannot call S3, Batch or EKS. The rewrite is a pure function of the definition (JSON in, JSON
 * out), so the deployed file stays the only workflow.
 *
 * Transformations, in order:
 * 1. Refuse what cannot be made faithful, naming the state (local-limits.ts): JSONata, variables,
 *    task tokens, ItemBatcher, ItemReaders other than JSON(L) `s3:getObject`, and Distributed Maps
 *    with an InputPath or with results in the payload.
 * 2. Placeholders: every `${Name}` becomes a local pseudo-ARN (`localPlaceholderArn`), as
 *    DefinitionSubstitutions would fill them in AWS; the local engine never calls them.
 * 3. ItemReader → a `<Map>.ReadItems` Task before the map, with the reader's Parameters and
 *    ReaderConfig, putting the items at `$.strataLocalItems`, which the map reads through ItemsPath.
 *    Transitions into the map now go to it; it inherits the map's Retry and Catch, since a failed
 *    read fails the map in AWS (States.ItemReaderFailed).
 * 4. Distributed → inline: ProcessorConfig INLINE; ItemReader, ResultWriter and Label dropped;
 *    ItemSelector and MaxConcurrency(Path) kept, so children see the same input, as many at once.
 * 5. Tolerated failures: AWS counts a failed child and fails the map only past the tolerated
 *    percentage or count (0 when unset). Locally one failed item would fail the inline map, so
 *    inside the item processor every Task, Map and Parallel gets a last `States.ALL` Catch to a
 *    `<Map>.ItemFailed` Pass state, and every Fail state becomes such a Pass: a failure becomes a
 *    recorded outcome. The map keeps the outcomes at `$.strataLocalOutcomes`, and a
 *    `<Map>.CheckFailures` Task after it applies the tolerance (tolerated-failures.ts), removes the
 *    local keys, and takes over the map's Next/End, OutputPath and Catch.
 * 6. Batch and EKS unit Tasks run the local unit handler on the state's input: their Parameters
 *    (an AWS API request) and ResultSelector are dropped; the Resource stays to identify them.
 * 7. Timeouts: a Task without TimeoutSeconds(Path) gets `defaultTaskTimeoutSeconds` instead of the
 *    engine's 60 s; TimeoutSeconds values are capped at MAX_LOCAL_TIMER_SECONDS, beyond which
 *    Node's timer overflows and fires at once. A TimeoutSecondsPath is read at run time, so the
 *    engine caps the value it points at.
 */
import { z } from 'zod';
import { InvalidArgumentError } from '../../versioning/errors.ts';
import {
  type AslState,
  type AslStateMachine,
  isJsonObject,
  type JsonObject,
  type JsonValue,
  parseStateMachine,
  substitutePlaceholders,
  withoutFields,
} from './asl-json.ts';
import { ItemReaderSchema, isDistributed, refuse, refuseUnsupported } from './local-limits.ts';

/** Node's timers hold at most 2^31-1 ms (24.8 days); a longer delay fires after 1 ms. */
export const MAX_LOCAL_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** Resources of the Tasks the rewrite inserts; the local engine binds its own handlers to them. */
export const LOCAL_TASK_RESOURCES = {
  readItems: 'arn:aws:states:::strata-local:readItems',
  checkToleratedFailures: 'arn:aws:states:::strata-local:checkToleratedFailures',
} as const;

/** Keys the rewrite adds to a map's state while it runs; `<Map>.CheckFailures` removes them. */
export const LOCAL_STATE_KEYS = {
  items: 'strataLocalItems',
  outcomes: 'strataLocalOutcomes',
  /** Marks an item's outcome as a failure: `{strataLocalItemFailure: {Error, Cause}}`. */
  itemFailure: 'strataLocalItemFailure',
} as const;

/** Service integrations that run work on a cluster and have no local counterpart but a handler. */
const CLUSTER_RUN_RESOURCE = /^arn:aws:states:::(batch:submitJob|eks:runJob)(\.sync)?$/;

export function localPlaceholderArn(name: string): string {
  return `arn:aws:lambda:local:000000000000:function:${name}`;
}

/** The names of the states the rewrite adds for the Distributed Map `mapName`. */
export function localStateNames(mapName: string) {
  return {
    readItems: `${mapName}.ReadItems`,
    itemFailed: `${mapName}.ItemFailed`,
    checkFailures: `${mapName}.CheckFailures`,
  };
}

export interface LocalRewriteOptions {
  /**
   * Timeout of Tasks that set none.
   * @default MAX_LOCAL_TIMER_SECONDS - as good as none, like Step Functions
   */
  readonly defaultTaskTimeoutSeconds?: number;
}

export function rewriteForLocalEngine(
  definition: unknown,
  options: LocalRewriteOptions = {},
): AslStateMachine {
  const taskTimeout = options.defaultTaskTimeoutSeconds ?? MAX_LOCAL_TIMER_SECONDS;
  if (!Number.isInteger(taskTimeout) || taskTimeout < 1 || taskTimeout > MAX_LOCAL_TIMER_SECONDS) {
    throw new InvalidArgumentError(
      `defaultTaskTimeoutSeconds is ${taskTimeout}; use a whole number from 1 to ${MAX_LOCAL_TIMER_SECONDS}.`,
    );
  }
  const machine = parseStateMachine(definition, 'The workflow definition');
  refuseUnsupported(machine, '$');
  const substituted = parseStateMachine(
    substitutePlaceholders(machine, localPlaceholderArn),
    'The definition',
  );
  return rewriteMachine(substituted, '$', taskTimeout);
}

/** Rewrites nested machines first, then this one's states. */
function rewriteMachine(machine: AslStateMachine, where: string, taskTimeout: number): AslStateMachine {
  let scope: Scope = { startAt: machine.StartAt, states: {} };
  for (const [name, state] of Object.entries(machine.States)) {
    scope.states[name] = rewriteState(
      rewriteNestedMachines(state, `${where}.States.${name}`, taskTimeout),
      taskTimeout,
    );
  }
  for (const [name, state] of Object.entries(scope.states)) {
    if (state.Type === 'Map' && isDistributed(state)) {
      scope = inlineDistributedMap(scope, name, `${where}.States.${name}`, taskTimeout);
    }
  }
  const rewritten: AslStateMachine = { ...machine, StartAt: scope.startAt, States: scope.states };
  if (typeof machine.TimeoutSeconds === 'number' && machine.TimeoutSeconds > MAX_LOCAL_TIMER_SECONDS) {
    return { ...rewritten, TimeoutSeconds: MAX_LOCAL_TIMER_SECONDS };
  }
  return rewritten;
}

function rewriteNestedMachines(state: AslState, at: string, taskTimeout: number): AslState {
  const rewritten: AslState = { ...state };
  for (const field of ['ItemProcessor', 'Iterator'] as const) {
    if (state[field] !== undefined) {
      rewritten[field] = rewriteMachine(
        parseStateMachine(state[field], `${at}.${field}`),
        `${at}.${field}`,
        taskTimeout,
      );
    }
  }
  if (Array.isArray(state.Branches)) {
    rewritten.Branches = state.Branches.map((branch, i) =>
      rewriteMachine(parseStateMachine(branch, `${at}.Branches[${i}]`), `${at}.Branches[${i}]`, taskTimeout),
    );
  }
  return rewritten;
}

/** Transformations 6 and 7, on one Task. */
function rewriteState(state: AslState, taskTimeout: number): AslState {
  if (state.Type !== 'Task') return state;
  let task = state;
  if (typeof task.Resource === 'string' && CLUSTER_RUN_RESOURCE.test(task.Resource)) {
    task = withoutFields(task, ['Parameters', 'ResultSelector']);
  }
  if (typeof task.TimeoutSeconds === 'number') {
    return { ...task, TimeoutSeconds: Math.min(task.TimeoutSeconds, MAX_LOCAL_TIMER_SECONDS) };
  }
  if (task.TimeoutSecondsPath === undefined) return { ...task, TimeoutSeconds: taskTimeout };
  return task;
}

const CatcherListSchema = z.array(z.object({ ErrorEquals: z.array(z.string()), Next: z.string() }).loose());

interface Scope {
  startAt: string;
  states: Record<string, AslState>;
}

/** Transformations 3, 4 and 5, on the Distributed Map `mapName` of `scope`. */
function inlineDistributedMap(scope: Scope, mapName: string, at: string, taskTimeout: number): Scope {
  const map = scope.states[mapName];
  if (map === undefined) throw new Error(`bug: no state ${mapName}`);
  const names = localStateNames(mapName);
  for (const added of [names.readItems, names.checkFailures]) {
    if (added in scope.states) {
      refuse(at, `needs the name "${added}" for a local state, but a state already has it`);
    }
  }
  const processor = parseStateMachine(map.ItemProcessor, `${at}.ItemProcessor`);
  let inline: AslState = withoutFields(map, [
    'ItemReader',
    'ResultWriter',
    'Label',
    'ToleratedFailurePercentage',
    'ToleratedFailurePercentagePath',
    'ToleratedFailureCount',
    'ToleratedFailureCountPath',
    'ResultSelector',
    'OutputPath',
    'Next',
    'End',
  ]);
  inline = {
    ...inline,
    ItemProcessor: {
      ...catchItemFailures(processor, names.itemFailed, at),
      ProcessorConfig: { Mode: 'INLINE' },
    },
    ResultPath: `$.${LOCAL_STATE_KEYS.outcomes}`,
    Next: names.checkFailures,
  };
  let states: Record<string, AslState> = { ...scope.states };
  let startAt = scope.startAt;
  if (map.ItemReader !== undefined) {
    states = redirectTransitions(states, mapName, names.readItems);
    if (startAt === mapName) startAt = names.readItems;
    states[names.readItems] = readItemsTask(map, mapName, taskTimeout);
    inline = { ...inline, ItemsPath: `$.${LOCAL_STATE_KEYS.items}` };
  }
  states[mapName] = inline;
  states[names.checkFailures] = checkFailuresTask(map, taskTimeout);
  return { startAt, states };
}

function readItemsTask(map: AslState, mapName: string, taskTimeout: number): AslState {
  const reader = ItemReaderSchema.parse(map.ItemReader);
  const parameters: JsonObject = {
    reader: reader.Parameters ?? {},
    inputType: reader.ReaderConfig?.InputType ?? 'JSON',
  };
  if (reader.ReaderConfig?.MaxItems !== undefined) parameters.maxItems = reader.ReaderConfig.MaxItems;
  if (reader.ReaderConfig?.MaxItemsPath !== undefined) {
    parameters['maxItems.$'] = reader.ReaderConfig.MaxItemsPath;
  }
  const task: AslState = {
    Type: 'Task',
    Comment: `Local stand-in for the ItemReader of ${mapName}.`,
    Resource: LOCAL_TASK_RESOURCES.readItems,
    Parameters: parameters,
    ResultPath: `$.${LOCAL_STATE_KEYS.items}`,
    TimeoutSeconds: taskTimeout,
    Next: mapName,
  };
  if (map.Retry !== undefined) task.Retry = map.Retry;
  if (map.Catch !== undefined) task.Catch = map.Catch;
  return task;
}

function checkFailuresTask(map: AslState, taskTimeout: number): AslState {
  const parameters: JsonObject = { 'state.$': '$' };
  const tolerance = [
    ['ToleratedFailurePercentage', 'toleratedFailurePercentage'],
    ['ToleratedFailureCount', 'toleratedFailureCount'],
  ] as const;
  for (const [field, parameter] of tolerance) {
    const value = map[field];
    const path = map[`${field}Path`];
    if (value !== undefined) parameters[parameter] = value;
    if (typeof path === 'string') parameters[`${parameter}.$`] = path;
  }
  const task: AslState = {
    Type: 'Task',
    Comment: 'Local stand-in for the tolerated failures of the Distributed Map before it.',
    Resource: LOCAL_TASK_RESOURCES.checkToleratedFailures,
    Parameters: parameters,
    TimeoutSeconds: taskTimeout,
  };
  for (const field of ['OutputPath', 'Catch', 'Next', 'End'] as const) {
    const value = map[field];
    if (value !== undefined) task[field] = value;
  }
  return task;
}

/** Transformation 5 inside the item processor: every failure ends in a recorded outcome. */
function catchItemFailures(processor: AslStateMachine, itemFailed: string, at: string): AslStateMachine {
  if (itemFailed in processor.States) {
    refuse(at, `needs the name "${itemFailed}" for a local state, but its item processor already has it`);
  }
  const states: Record<string, AslState> = {};
  for (const [name, state] of Object.entries(processor.States)) {
    states[name] = state.Type === 'Fail' ? failureOutcome(state) : withCatchAll(state, itemFailed, at);
  }
  states[itemFailed] = {
    Type: 'Pass',
    Comment: 'Records a failed item as an outcome, as a Distributed Map counts a failed child.',
    Parameters: { [LOCAL_STATE_KEYS.itemFailure]: { 'Error.$': '$.Error', 'Cause.$': '$.Cause' } },
    End: true,
  };
  return { ...processor, States: states };
}

function withCatchAll(state: AslState, itemFailed: string, at: string): AslState {
  if (!['Task', 'Map', 'Parallel'].includes(state.Type)) return state;
  const catchers = CatcherListSchema.safeParse(state.Catch ?? []);
  if (!catchers.success) refuse(at, 'has an item processor state whose Catch is not a list of catchers');
  if (catchers.data.some((catcher) => catcher.ErrorEquals.includes('States.ALL'))) return state;
  const catchAll: JsonValue = { ErrorEquals: ['States.ALL'], Next: itemFailed };
  return { ...state, Catch: [...(Array.isArray(state.Catch) ? state.Catch : []), catchAll] };
}

function failureOutcome(fail: AslState): AslState {
  const failure: JsonObject = {};
  for (const field of ['Error', 'Cause'] as const) {
    const value = fail[field];
    const path = fail[`${field}Path`];
    if (typeof value === 'string') failure[field] = value;
    if (typeof path === 'string') failure[`${field}.$`] = path;
  }
  return {
    Type: 'Pass',
    Comment: 'A Fail state in a Distributed Map child, recorded as a failed outcome.',
    Parameters: { [LOCAL_STATE_KEYS.itemFailure]: failure },
    End: true,
  };
}

/** Points every transition to `from` (Next, Default, a Choice rule's Next, a catcher's Next) at `to`. */
function redirectTransitions(
  states: Record<string, AslState>,
  from: string,
  to: string,
): Record<string, AslState> {
  const redirect = (target: JsonValue | undefined) => (target === from ? to : target);
  const redirectRules = (rules: JsonValue | undefined): JsonValue | undefined =>
    Array.isArray(rules)
      ? rules.map((rule) => (isJsonObject(rule) && rule.Next === from ? { ...rule, Next: to } : rule))
      : rules;
  const result: Record<string, AslState> = {};
  for (const [name, state] of Object.entries(states)) {
    const updated: AslState = { ...state };
    for (const field of ['Next', 'Default'] as const) {
      const target = redirect(state[field]);
      if (target !== undefined) updated[field] = target;
    }
    for (const field of ['Choices', 'Catch'] as const) {
      const rules = redirectRules(state[field]);
      if (rules !== undefined) updated[field] = rules;
    }
    result[name] = updated;
  }
  return result;
}
