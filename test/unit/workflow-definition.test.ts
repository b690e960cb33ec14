import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type AslState,
  type AslStateMachine,
  forEachState,
  type JsonValue,
  parseStateMachine,
  placeholderNames,
  substitutePlaceholders,
} from '../../pipelines/workflow/asl-json.ts';
import {
  JOB_WORKFLOW_PLACEHOLDERS,
  jobWorkflowDefinition,
  PlanResultSchema,
  WORKFLOW_ERROR_NAMES,
} from '../../pipelines/workflow/job-workflow.ts';

// asl-validator ships CommonJS without types; its result is parsed, not trusted.
const aslValidator: unknown = createRequire(import.meta.url)('asl-validator');
const ValidationResultSchema = z.object({
  isValid: z.boolean(),
  errors: z.array(z.object({ Message: z.string().optional() }).loose()),
});

function validateForStepFunctions(definition: JsonValue) {
  if (typeof aslValidator !== 'function') throw new Error('asl-validator does not export a function');
  // The validator adds QueryLanguage to every state, so it gets a copy.
  return ValidationResultSchema.parse(
    aslValidator(structuredClone(definition), { checkArn: true, checkPaths: true }),
  );
}

/** What the CDK stack's DefinitionSubstitutions will supply, with made-up values of the right form. */
function deployed(definition: JsonValue): JsonValue {
  return substitutePlaceholders(definition, (name) =>
    name.endsWith('Arn') ? `arn:aws:lambda:eu-west-1:123456789012:function:strata-${name}` : `fake-${name}`,
  );
}

const definition = jobWorkflowDefinition();
const machine = parseStateMachine(definition, 'job-workflow.asl.json');

function state(scope: AslStateMachine, name: string): AslState {
  const found = scope.States[name];
  if (found === undefined) throw new Error(`no state ${name}`);
  return found;
}

const runUnits = state(machine, 'RunUnits');
const unitSteps = parseStateMachine(runUnits.ItemProcessor, 'RunUnits.ItemProcessor');

describe('job-workflow.asl.json', () => {
  it('is valid ASL for Step Functions once the deployment fills its placeholders', () => {
    expect(validateForStepFunctions(deployed(definition))).toEqual({ isValid: true, errors: [] });
  });

  it('is caught by the validator when broken (so the check above means something)', () => {
    const broken = structuredClone(machine);
    delete broken.States.Plan?.Next;
    expect(validateForStepFunctions(deployed(broken)).isValid).toBe(false);
  });

  it('uses exactly the placeholders the deployment is told about', () => {
    expect([...placeholderNames(definition)].sort()).toEqual(Object.values(JOB_WORKFLOW_PLACEHOLDERS).sort());
  });

  it('reads only fields of Plan’s result from $.plan', () => {
    const planFields = new Set(Object.keys(PlanResultSchema.shape));
    const paths = JSON.stringify(definition).match(/\$\.plan\.[A-Za-z]+/g) ?? [];
    expect(paths.length).toBeGreaterThan(0);
    for (const path of paths) expect(planFields, path).toContain(path.slice('$.plan.'.length));
  });

  it('runs units in a Distributed Map of STANDARD children over a JSONL manifest in S3', () => {
    expect(runUnits).toMatchObject({
      Type: 'Map',
      ItemReader: {
        Resource: 'arn:aws:states:::s3:getObject',
        ReaderConfig: { InputType: 'JSONL' },
        Parameters: { 'Bucket.$': '$.plan.manifest.bucket', 'Key.$': '$.plan.manifest.key' },
      },
      ItemSelector: { 'jobId.$': '$.jobId', 'unit.$': '$$.Map.Item.Value' },
      MaxConcurrencyPath: '$.plan.parallelism',
      ToleratedFailurePercentagePath: '$.plan.toleratedFailurePercentage',
      ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' } },
    });
    expect(runUnits.ItemBatcher).toBeUndefined();
  });

  it('keeps results out of the payload: none in the state, child results to S3', () => {
    expect(runUnits.ResultPath).toBeNull();
    expect(runUnits.ResultWriter).toMatchObject({ Resource: 'arn:aws:states:::s3:putObject' });
    for (const name of ['RunUnitLocally', 'RunUnitOnBatch', 'RunUnitOnEks']) {
      expect(state(unitSteps, name).ResultPath, name).toBeNull();
    }
  });

  it('routes each compute backend to its own unit task, with the unit timeout from Plan', () => {
    const route = state(unitSteps, 'RouteUnit');
    expect(route.Choices).toEqual([
      { Variable: '$.compute.backend', StringEquals: 'local', Next: 'RunUnitLocally' },
      { Variable: '$.compute.backend', StringEquals: 'batch', Next: 'RunUnitOnBatch' },
      { Variable: '$.compute.backend', StringEquals: 'eks', Next: 'RunUnitOnEks' },
    ]);
    expect(state(unitSteps, 'UnsupportedComputeBackend').Error).toBe(
      WORKFLOW_ERROR_NAMES.unsupportedComputeBackend,
    );
    expect(state(unitSteps, 'RunUnitOnBatch').Resource).toBe('arn:aws:states:::batch:submitJob.sync');
    expect(state(unitSteps, 'RunUnitOnEks').Resource).toBe('arn:aws:states:::eks:runJob.sync');
    for (const name of ['RunUnitLocally', 'RunUnitOnBatch', 'RunUnitOnEks']) {
      expect(state(unitSteps, name).TimeoutSecondsPath, name).toBe('$.timeoutSeconds');
    }
  });

  it('retries every Task, and sends every failure of the job’s steps to MarkFailed', () => {
    forEachState(machine, (name, found) => {
      if (found.Type === 'Task') expect(found.Retry, name).toEqual(expect.any(Array));
    });
    for (const name of ['Plan', 'RunUnits', 'Assemble']) {
      expect(state(machine, name).Catch, name).toEqual([
        { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'MarkFailed' },
      ]);
    }
    expect(state(machine, 'MarkFailed')).toMatchObject({
      Next: 'JobFailed',
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.markFailedError', Next: 'JobFailed' }],
    });
    expect(state(machine, 'JobFailed')).toEqual({
      Type: 'Fail',
      ErrorPath: '$.error.Error',
      CausePath: '$.error.Cause',
    });
  });

  it('retries Lambda throttling and service errors with backoff, and Strata’s transient errors', () => {
    for (const name of ['Plan', 'Assemble', 'MarkFailed']) {
      expect(state(machine, name).Retry, name).toEqual([
        expect.objectContaining({
          ErrorEquals: expect.arrayContaining([
            'Lambda.ServiceException',
            'Lambda.TooManyRequestsException',
            WORKFLOW_ERROR_NAMES.transient,
          ]),
          BackoffRate: 2,
        }),
      ]);
    }
  });
});
