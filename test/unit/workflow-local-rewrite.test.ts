import { describe, expect, it } from 'vitest';
import { createStateMachine } from '../../adapters/local/workflow-engine.ts';
import {
  type AslStateMachine,
  forEachState,
  type JsonObject,
  type JsonValue,
  parseStateMachine,
  placeholderNames,
} from '../../pipelines/workflow/asl-json.ts';
import { jobWorkflowDefinition } from '../../pipelines/workflow/job-workflow.ts';
import {
  LOCAL_STATE_KEYS,
  LOCAL_TASK_RESOURCES,
  localPlaceholderArn,
  MAX_LOCAL_TIMER_SECONDS,
  rewriteForLocalEngine,
} from '../../pipelines/workflow/local-rewrite.ts';

/** `${name}`, as a deployment's DefinitionSubstitutions expect it. */
function placeholder(name: string): string {
  return `\${${name}}`;
}

/** A small definition with one Distributed Map, shaped like the job workflow. */
function distributedMapDefinition(
  map: Record<string, JsonValue | undefined> = {},
  processorStates: JsonObject = {},
): JsonObject {
  return {
    StartAt: 'Plan',
    States: {
      Plan: { Type: 'Task', Resource: placeholder('PlanTaskArn'), ResultPath: '$.plan', Next: 'Fan' },
      Fan: withoutUndefined({
        Type: 'Map',
        ItemReader: {
          Resource: 'arn:aws:states:::s3:getObject',
          ReaderConfig: { InputType: 'JSONL' },
          Parameters: { 'Bucket.$': '$.plan.bucket', 'Key.$': '$.plan.key' },
        },
        ItemSelector: { 'item.$': '$$.Map.Item.Value', 'jobId.$': '$.jobId' },
        MaxConcurrencyPath: '$.plan.parallelism',
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'Work',
          States: { Work: { Type: 'Task', Resource: placeholder('WorkArn'), End: true }, ...processorStates },
        },
        ResultWriter: { Resource: 'arn:aws:states:::s3:putObject', Parameters: { Bucket: 'b', Prefix: 'p' } },
        ResultPath: null,
        Retry: [{ ErrorEquals: ['States.ItemReaderFailed'], MaxAttempts: 2 }],
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Failed' }],
        Next: 'Done',
        ...map,
      }),
      Done: { Type: 'Succeed' },
      Failed: { Type: 'Fail', Error: 'JobFailed' },
    },
  };
}

function withoutUndefined(object: Record<string, JsonValue | undefined>): JsonObject {
  const result: JsonObject = {};
  for (const [key, value] of Object.entries(object)) if (value !== undefined) result[key] = value;
  return result;
}

function stateOf(machine: AslStateMachine, name: string): JsonObject {
  const state = machine.States[name];
  if (state === undefined) throw new Error(`no state ${name} in ${Object.keys(machine.States).join(', ')}`);
  return state;
}

function processorOf(machine: AslStateMachine, mapName: string): AslStateMachine {
  return parseStateMachine(stateOf(machine, mapName).ItemProcessor, `${mapName}.ItemProcessor`);
}

describe('rewriteForLocalEngine: placeholders', () => {
  it('replaces every placeholder, wherever it is, with a local pseudo-ARN', () => {
    const rewritten = rewriteForLocalEngine({
      StartAt: 'A',
      States: {
        A: {
          Type: 'Task',
          Resource: placeholder('PlanTaskArn'),
          Parameters: { cluster: `at ${placeholder('EksEndpoint')}` },
          End: true,
        },
      },
    });
    expect(stateOf(rewritten, 'A')).toMatchObject({
      Resource: localPlaceholderArn('PlanTaskArn'),
      Parameters: { cluster: `at ${localPlaceholderArn('EksEndpoint')}` },
    });
    expect(placeholderNames(rewritten).size).toBe(0);
  });
});

describe('rewriteForLocalEngine: the ItemReader becomes a ReadItems task', () => {
  it('reads the items with the reader’s parameters into the state, then enters the map', () => {
    const rewritten = rewriteForLocalEngine(
      distributedMapDefinition({
        ItemReader: {
          Resource: 'arn:aws:states:::s3:getObject',
          ReaderConfig: { InputType: 'JSONL', MaxItems: 5 },
          Parameters: { 'Bucket.$': '$.plan.bucket', 'Key.$': '$.plan.key' },
        },
      }),
    );
    expect(stateOf(rewritten, 'Fan.ReadItems')).toMatchObject({
      Type: 'Task',
      Resource: LOCAL_TASK_RESOURCES.readItems,
      Parameters: {
        reader: { 'Bucket.$': '$.plan.bucket', 'Key.$': '$.plan.key' },
        inputType: 'JSONL',
        maxItems: 5,
      },
      ResultPath: `$.${LOCAL_STATE_KEYS.items}`,
      Next: 'Fan',
    });
    expect(stateOf(rewritten, 'Fan').ItemsPath).toBe(`$.${LOCAL_STATE_KEYS.items}`);
  });

  it('inherits the map’s Retry and Catch, since a failed read fails the map', () => {
    const readItems = stateOf(rewriteForLocalEngine(distributedMapDefinition()), 'Fan.ReadItems');
    expect(readItems.Retry).toEqual([{ ErrorEquals: ['States.ItemReaderFailed'], MaxAttempts: 2 }]);
    expect(readItems.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Failed' }]);
  });

  it('takes over every transition into the map', () => {
    const definition = distributedMapDefinition();
    const states = { ...(definition.States as JsonObject) };
    const rewritten = rewriteForLocalEngine({
      StartAt: 'Fan',
      States: {
        ...states,
        Route: {
          Type: 'Choice',
          Choices: [{ Variable: '$.x', IsPresent: true, Next: 'Fan' }],
          Default: 'Fan',
        },
        Risky: {
          Type: 'Task',
          Resource: 'arn:aws:lambda:us-east-1:1:function:f',
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Fan' }],
          Next: 'Route',
        },
      },
    });
    expect(rewritten.StartAt).toBe('Fan.ReadItems');
    expect(stateOf(rewritten, 'Plan').Next).toBe('Fan.ReadItems');
    expect(stateOf(rewritten, 'Route')).toMatchObject({
      Choices: [{ Next: 'Fan.ReadItems' }],
      Default: 'Fan.ReadItems',
    });
    expect(stateOf(rewritten, 'Risky').Catch).toEqual([
      { ErrorEquals: ['States.ALL'], Next: 'Fan.ReadItems' },
    ]);
  });

  it('adds no ReadItems task to a Distributed Map over the state’s own items', () => {
    const rewritten = rewriteForLocalEngine(
      distributedMapDefinition({ ItemReader: undefined, ItemsPath: '$.units' }),
    );
    expect(rewritten.States['Fan.ReadItems']).toBeUndefined();
    expect(stateOf(rewritten, 'Fan').ItemsPath).toBe('$.units');
  });
});

describe('rewriteForLocalEngine: the Distributed Map becomes inline', () => {
  it('keeps what children see and how many run at once, drops what only AWS reads', () => {
    const map = stateOf(
      rewriteForLocalEngine(distributedMapDefinition({ Label: 'Fan', MaxConcurrency: 3 })),
      'Fan',
    );
    expect(map).toMatchObject({
      ItemSelector: { 'item.$': '$$.Map.Item.Value', 'jobId.$': '$.jobId' },
      MaxConcurrencyPath: '$.plan.parallelism',
      MaxConcurrency: 3,
      ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' } },
    });
    for (const field of ['ItemReader', 'ResultWriter', 'Label']) expect(map[field]).toBeUndefined();
  });

  it('leaves inline maps as they are', () => {
    const inline = {
      Type: 'Map',
      ItemsPath: '$.xs',
      ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
      End: true,
    };
    expect(stateOf(rewriteForLocalEngine({ StartAt: 'M', States: { M: inline } }), 'M')).toEqual(inline);
  });
});

describe('rewriteForLocalEngine: tolerated failures', () => {
  it('turns a failed item into a recorded outcome instead of a failed map', () => {
    const processor = processorOf(
      rewriteForLocalEngine(
        distributedMapDefinition(
          {},
          {
            Caught: {
              Type: 'Task',
              Resource: 'arn:aws:lambda:us-east-1:1:function:f',
              Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Work' }],
              End: true,
            },
          },
        ),
      ),
      'Fan',
    );
    expect(stateOf(processor, 'Work').Catch).toEqual([
      { ErrorEquals: ['States.ALL'], Next: 'Fan.ItemFailed' },
    ]);
    expect(stateOf(processor, 'Caught').Catch).toEqual([{ ErrorEquals: ['States.ALL'], Next: 'Work' }]);
    expect(stateOf(processor, 'Fan.ItemFailed')).toEqual({
      Type: 'Pass',
      Comment: expect.any(String),
      Parameters: { [LOCAL_STATE_KEYS.itemFailure]: { 'Error.$': '$.Error', 'Cause.$': '$.Cause' } },
      End: true,
    });
  });

  it('turns a Fail state in the item processor into a failed outcome', () => {
    const processor = processorOf(
      rewriteForLocalEngine(
        distributedMapDefinition({}, { Bad: { Type: 'Fail', Error: 'Bad', CausePath: '$.why' } }),
      ),
      'Fan',
    );
    expect(stateOf(processor, 'Bad')).toMatchObject({
      Type: 'Pass',
      Parameters: { [LOCAL_STATE_KEYS.itemFailure]: { Error: 'Bad', 'Cause.$': '$.why' } },
      End: true,
    });
  });

  it('checks the tolerance after the map, which hands it its Next, OutputPath and Catch', () => {
    const rewritten = rewriteForLocalEngine(
      distributedMapDefinition({
        ToleratedFailurePercentagePath: '$.plan.tolerated',
        ToleratedFailureCount: 2,
        OutputPath: '$.plan',
      }),
    );
    expect(stateOf(rewritten, 'Fan')).toMatchObject({
      ResultPath: `$.${LOCAL_STATE_KEYS.outcomes}`,
      Next: 'Fan.CheckFailures',
    });
    expect(stateOf(rewritten, 'Fan').OutputPath).toBeUndefined();
    expect(stateOf(rewritten, 'Fan.CheckFailures')).toMatchObject({
      Type: 'Task',
      Resource: LOCAL_TASK_RESOURCES.checkToleratedFailures,
      Parameters: {
        'state.$': '$',
        'toleratedFailurePercentage.$': '$.plan.tolerated',
        toleratedFailureCount: 2,
      },
      OutputPath: '$.plan',
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Failed' }],
      Next: 'Done',
    });
  });

  it('ends the execution after the check when the map ended it', () => {
    const rewritten = rewriteForLocalEngine(distributedMapDefinition({ Next: undefined, End: true }));
    expect(stateOf(rewritten, 'Fan').End).toBeUndefined();
    expect(stateOf(rewritten, 'Fan.CheckFailures')).toMatchObject({ End: true });
  });
});

describe('rewriteForLocalEngine: cluster tasks and timeouts', () => {
  it('runs Batch and EKS tasks on the state’s input: their AWS request is dropped', () => {
    const rewritten = rewriteForLocalEngine({
      StartAt: 'Batch',
      States: {
        Batch: {
          Type: 'Task',
          Resource: 'arn:aws:states:::batch:submitJob.sync',
          Parameters: { JobName: 'x' },
          ResultSelector: { 'id.$': '$.JobId' },
          Next: 'Eks',
        },
        Eks: {
          Type: 'Task',
          Resource: 'arn:aws:states:::eks:runJob.sync',
          Parameters: { ClusterName: 'c' },
          End: true,
        },
      },
    });
    for (const name of ['Batch', 'Eks']) {
      expect(stateOf(rewritten, name).Parameters).toBeUndefined();
      expect(stateOf(rewritten, name).ResultSelector).toBeUndefined();
    }
  });

  it('gives Tasks without a timeout the default instead of the engine’s 60 s, and caps the rest', () => {
    const definition = {
      StartAt: 'None',
      TimeoutSeconds: 99_999_999,
      States: {
        None: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:1:function:f', Next: 'Huge' },
        Huge: {
          Type: 'Task',
          Resource: 'arn:aws:lambda:us-east-1:1:function:f',
          TimeoutSeconds: 99_999_999,
          Next: 'Small',
        },
        Small: {
          Type: 'Task',
          Resource: 'arn:aws:lambda:us-east-1:1:function:f',
          TimeoutSeconds: 30,
          Next: 'Path',
        },
        Path: {
          Type: 'Task',
          Resource: 'arn:aws:lambda:us-east-1:1:function:f',
          TimeoutSecondsPath: '$.t',
          End: true,
        },
      },
    };
    const rewritten = rewriteForLocalEngine(definition);
    expect(rewritten.TimeoutSeconds).toBe(MAX_LOCAL_TIMER_SECONDS);
    expect(stateOf(rewritten, 'None').TimeoutSeconds).toBe(MAX_LOCAL_TIMER_SECONDS);
    expect(stateOf(rewritten, 'Huge').TimeoutSeconds).toBe(MAX_LOCAL_TIMER_SECONDS);
    expect(stateOf(rewritten, 'Small').TimeoutSeconds).toBe(30);
    expect(stateOf(rewritten, 'Path')).toMatchObject({ TimeoutSecondsPath: '$.t' });
    expect(stateOf(rewritten, 'Path').TimeoutSeconds).toBeUndefined();
    expect(
      stateOf(rewriteForLocalEngine(definition, { defaultTaskTimeoutSeconds: 5 }), 'None').TimeoutSeconds,
    ).toBe(5);
  });

  it('refuses a default timeout Node’s timer cannot hold', () => {
    expect(() =>
      rewriteForLocalEngine(distributedMapDefinition(), { defaultTaskTimeoutSeconds: 30 * 86_400 }),
    ).toThrow(/defaultTaskTimeoutSeconds is 2592000; use a whole number from 1 to 2147483/);
  });
});

describe('rewriteForLocalEngine on the job workflow', () => {
  it('yields a definition aws-local-stepfunctions accepts, ARNs and paths checked', () => {
    const rewritten = rewriteForLocalEngine(jobWorkflowDefinition());
    expect(() => createStateMachine(structuredClone(rewritten))).not.toThrow();
    expect(placeholderNames(rewritten).size).toBe(0);
    expect(Object.keys(rewritten.States).sort()).toEqual(
      [
        'Assemble',
        'JobFailed',
        'JobSucceeded',
        'MarkFailed',
        'Plan',
        'RunUnits',
        'RunUnits.CheckFailures',
        'RunUnits.ReadItems',
      ].sort(),
    );
  });

  it('leaves nothing the local engine would ignore', () => {
    const ignored = [
      'ItemReader',
      'ItemBatcher',
      'ResultWriter',
      'ToleratedFailurePercentage',
      'ToleratedFailurePercentagePath',
      'ToleratedFailureCount',
      'ToleratedFailureCountPath',
    ];
    forEachState(rewriteForLocalEngine(jobWorkflowDefinition()), (name, state) => {
      for (const field of ignored) expect(state[field], `${name}.${field}`).toBeUndefined();
      if (state.Type === 'Task') expect(state.TimeoutSeconds ?? state.TimeoutSecondsPath, name).toBeDefined();
      if (state.Type === 'Map') expect(JSON.stringify(state.ItemProcessor)).not.toContain('DISTRIBUTED');
    });
  });

  it('is a pure function: the input is untouched and the output the same every time', () => {
    const definition = jobWorkflowDefinition();
    const before = structuredClone(definition);
    const first = rewriteForLocalEngine(definition);
    expect(definition).toEqual(before);
    expect(rewriteForLocalEngine(definition)).toEqual(first);
  });
});
