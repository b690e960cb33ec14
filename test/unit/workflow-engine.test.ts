import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  type JobWorkflowHandlers,
  LocalWorkflowEngine,
  type WorkflowEvent,
} from '../../adapters/local/workflow-engine.ts';
import {
  type ComputeTarget,
  type MarkFailedInput,
  type PlanResult,
  TransientWorkflowError,
  type UnitTaskInput,
  type WorkUnit,
} from '../../pipelines/workflow/job-workflow.ts';
import { InvalidArgumentError } from '../../versioning/errors.ts';

const MANIFEST = { bucket: 'strata-local', key: 'jobs/job-1/manifest.jsonl' };
const INPUT = { jobId: 'job-1', pipeline: 'scores', outputCommit: 'c0ffee' };

interface FakeJob {
  readonly units?: number;
  readonly parallelism?: number;
  readonly toleratedFailurePercentage?: number;
  readonly unitTimeoutSeconds?: number;
  readonly compute?: ComputeTarget;
  readonly plan?: () => Promise<PlanResult>;
  readonly readManifest?: () => Promise<readonly unknown[]>;
  readonly runUnit?: (input: UnitTaskInput, signal: AbortSignal) => Promise<void>;
}

/** Handlers that record what they were called with; behaviour is overridden per test. */
function fakeJob(job: FakeJob = {}) {
  const units: WorkUnit[] = Array.from({ length: job.units ?? 3 }, (_, i) => ({
    unitId: `unit-${i}`,
    key: `jobs/job-1/units/${i}.json`,
  }));
  const calls: string[] = [];
  const unitInputs: UnitTaskInput[] = [];
  const markFailedInputs: MarkFailedInput[] = [];
  const handlers: JobWorkflowHandlers = {
    plan: async () => {
      calls.push('plan');
      if (job.plan) return job.plan();
      return {
        manifest: MANIFEST,
        unitCount: units.length,
        parallelism: job.parallelism ?? 4,
        toleratedFailurePercentage: job.toleratedFailurePercentage ?? 0,
        unitTimeoutSeconds: job.unitTimeoutSeconds ?? 3600,
        compute: job.compute ?? { backend: 'local' },
      };
    },
    readManifest: async (manifest) => {
      calls.push(`readManifest ${manifest.bucket}/${manifest.key}`);
      return job.readManifest ? job.readManifest() : units;
    },
    runUnit: async (input, context) => {
      calls.push(`runUnit ${input.unit.unitId}`);
      unitInputs.push(input);
      await job.runUnit?.(input, context.signal);
    },
    assemble: async (input) => {
      calls.push('assemble');
      return { outputCommit: input.outputCommit ?? null, units: input.plan.unitCount };
    },
    markFailed: async (input) => {
      calls.push('markFailed');
      markFailedInputs.push(input);
    },
  };
  return { handlers, calls, unitInputs, markFailedInputs };
}

function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

function engineFor(handlers: JobWorkflowHandlers): LocalWorkflowEngine {
  return new LocalWorkflowEngine({ handlers, retryDelayMs: 0 });
}

describe('LocalWorkflowEngine', () => {
  it('runs plan, reads the manifest, runs every unit and assembles', async () => {
    // Arrange
    const job = fakeJob({ units: 3 });
    const entered: string[] = [];
    // Act
    const outcome = await engineFor(job.handlers).run(INPUT, {
      onEvent: (event) => {
        if (event.type === 'StateEntered' && event.mapIndex === undefined)
          entered.push(event.stateName ?? '');
      },
    });
    // Assert
    expect(outcome).toEqual({
      status: 'succeeded',
      output: expect.objectContaining({ jobId: 'job-1', assembly: { outputCommit: 'c0ffee', units: 3 } }),
    });
    expect(job.calls[0]).toBe('plan');
    expect(job.calls[1]).toBe(`readManifest ${MANIFEST.bucket}/${MANIFEST.key}`);
    expect(job.calls.slice(2, 5).sort()).toEqual(['runUnit unit-0', 'runUnit unit-1', 'runUnit unit-2']);
    expect(job.calls.slice(5)).toEqual(['assemble']);
    expect(entered).toEqual([
      'Plan',
      'RunUnits.ReadItems',
      'RunUnits',
      'RunUnits.CheckFailures',
      'Assemble',
      'JobSucceeded',
    ]);
  });

  it('gives each unit the job, its manifest line and index, the compute target and timeout', async () => {
    const job = fakeJob({ units: 2, unitTimeoutSeconds: 600 });
    await engineFor(job.handlers).run(INPUT);
    const byIndex = [...job.unitInputs].sort((a, b) => a.unitIndex - b.unitIndex);
    expect(byIndex).toEqual([
      {
        jobId: 'job-1',
        pipeline: 'scores',
        unitIndex: 0,
        unit: { unitId: 'unit-0', key: 'jobs/job-1/units/0.json' },
        bucket: MANIFEST.bucket,
        compute: { backend: 'local' },
        timeoutSeconds: 600,
      },
      expect.objectContaining({ unitIndex: 1, unit: { unitId: 'unit-1', key: 'jobs/job-1/units/1.json' } }),
    ]);
  });

  it.each([2, 3])(
    'runs units concurrently, at most %i at a time (the plan’s parallelism)',
    async (parallelism) => {
      // Each unit waits until `parallelism` units run at once (or half a second, if they never do).
      let running = 0;
      let mostAtOnce = 0;
      const { promise: full, resolve: fill } = Promise.withResolvers<void>();
      const job = fakeJob({
        units: 7,
        parallelism,
        runUnit: async () => {
          running += 1;
          mostAtOnce = Math.max(mostAtOnce, running);
          if (running === parallelism) fill();
          await Promise.race([full, delay(500)]);
          await delay(1);
          running -= 1;
        },
      });
      const outcome = await engineFor(job.handlers).run(INPUT);
      expect(outcome.status).toBe('succeeded');
      expect(job.unitInputs).toHaveLength(7);
      expect(mostAtOnce).toBe(parallelism);
    },
  );

  it('routes batch and eks units to the unit handler with the unit input, not an AWS request', async () => {
    const compute: ComputeTarget = { backend: 'batch', jobQueue: 'gpu', jobDefinition: 'scores:3' };
    const job = fakeJob({ units: 1, compute });
    expect((await engineFor(job.handlers).run(INPUT)).status).toBe('succeeded');
    expect(job.unitInputs[0]).toMatchObject({ unit: { unitId: 'unit-0' }, compute });

    const eks: ComputeTarget = { backend: 'eks', namespace: 'strata', podSpec: { containers: [] } };
    const eksJob = fakeJob({ units: 1, compute: eks });
    expect((await engineFor(eksJob.handlers).run(INPUT)).status).toBe('succeeded');
    expect(eksJob.unitInputs[0]).toMatchObject({ compute: eks });
  });

  it('retries a unit that throws a transient error', async () => {
    let attempts = 0;
    const events: WorkflowEvent[] = [];
    const job = fakeJob({
      units: 1,
      runUnit: async () => {
        attempts += 1;
        if (attempts === 1) throw new TransientWorkflowError('executor busy');
      },
    });
    const outcome = await engineFor(job.handlers).run(INPUT, { onEvent: (event) => events.push(event) });
    expect(outcome.status).toBe('succeeded');
    expect(attempts).toBe(2);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'StateRetried', stateName: 'RunUnitLocally' }),
    );
  });

  it('assembles when the units that failed stay within the tolerated percentage', async () => {
    const job = fakeJob({
      units: 10,
      toleratedFailurePercentage: 10,
      runUnit: async (input) => {
        if (input.unitIndex === 3) throw new Error('the container was killed');
      },
    });
    const outcome = await engineFor(job.handlers).run(INPUT);
    expect(outcome.status).toBe('succeeded');
    expect(job.calls.filter((call) => call === 'runUnit unit-3')).toHaveLength(1);
    expect(job.calls).toContain('assemble');
    expect(job.calls).not.toContain('markFailed');
  });

  it('marks the job failed when more units fail than tolerated', async () => {
    const job = fakeJob({
      units: 10,
      toleratedFailurePercentage: 10,
      runUnit: async (input) => {
        if (input.unitIndex === 3 || input.unitIndex === 7) throw new Error('the container was killed');
      },
    });
    const outcome = await engineFor(job.handlers).run(INPUT);
    expect(outcome).toEqual({
      status: 'failed',
      error: 'States.ExceedToleratedFailureThreshold',
      cause: expect.stringContaining('2 of 10 items failed (20%), more than the tolerated 10%'),
    });
    expect(job.calls).not.toContain('assemble');
    expect(job.markFailedInputs[0]?.error.Error).toBe('States.ExceedToleratedFailureThreshold');
    expect(job.markFailedInputs[0]?.plan?.unitCount).toBe(10);
  });

  it('sends a failing Plan to MarkFailed, then fails with Plan’s error', async () => {
    const job = fakeJob({
      plan: async () => {
        throw new InvalidArgumentError('input repo "raw" does not exist');
      },
    });
    const outcome = await engineFor(job.handlers).run(INPUT);
    expect(outcome).toEqual({
      status: 'failed',
      error: 'InvalidArgumentError',
      cause: 'input repo "raw" does not exist',
    });
    expect(job.calls).toEqual(['plan', 'markFailed']);
    expect(job.markFailedInputs[0]).toMatchObject({ jobId: 'job-1', outputCommit: 'c0ffee' });
    expect(job.markFailedInputs[0]?.plan).toBeUndefined();
  });

  it('fails the job with Strata.ContractViolation when Plan returns data instead of keys', async () => {
    const job = fakeJob({
      plan: async () => ({
        manifest: MANIFEST,
        unitCount: 1,
        parallelism: 1,
        toleratedFailurePercentage: 0,
        unitTimeoutSeconds: 60,
        compute: { backend: 'local' },
        datums: 'x'.repeat(40_000),
      }),
    });
    const outcome = await engineFor(job.handlers).run(INPUT);
    expect(outcome).toMatchObject({ status: 'failed', error: 'Strata.ContractViolation' });
    expect(outcome.status === 'failed' && outcome.cause).toContain('object keys and counts only');
    expect(job.calls).toEqual(['plan', 'markFailed']);
  });

  it('retries a manifest that cannot be read, then fails the job with States.ItemReaderFailed', async () => {
    let reads = 0;
    const job = fakeJob({
      readManifest: async () => {
        reads += 1;
        throw new Error('no such object');
      },
    });
    const outcome = await engineFor(job.handlers).run(INPUT);
    expect(outcome).toMatchObject({ status: 'failed', error: 'States.ItemReaderFailed' });
    expect(reads).toBe(4);
    expect(job.calls.at(-1)).toBe('markFailed');
  });

  it('keeps a unit timeout beyond Node’s timer range from firing at once', async () => {
    const job = fakeJob({ units: 1, unitTimeoutSeconds: 99_999_999, runUnit: () => delay(20) });
    expect((await engineFor(job.handlers).run(INPUT)).status).toBe('succeeded');
  });

  it('stops a job when aborted: running units see the signal, no later state starts', async () => {
    const controller = new AbortController();
    const signalled: number[] = [];
    let started = 0;
    const job = fakeJob({
      units: 6,
      parallelism: 2,
      runUnit: async (input, signal) => {
        started += 1;
        if (started === 2) controller.abort();
        await untilAborted(signal);
        signalled.push(input.unitIndex);
      },
    });
    const outcome = await engineFor(job.handlers).run(INPUT, { signal: controller.signal });
    expect(outcome).toEqual({ status: 'aborted' });
    expect(started).toBe(2);
    expect(signalled.sort()).toEqual([0, 1]);
    expect(job.calls).not.toContain('assemble');
    expect(job.calls).not.toContain('markFailed');
  });

  it('keeps the payload to keys and counts however many units there are', async () => {
    const job = fakeJob({ units: 1000, parallelism: 50 });
    const payloads: { state: string; bytes: number }[] = [];
    const outcome = await engineFor(job.handlers).run(INPUT, {
      onEvent: (event) => {
        // States that exist in AWS too; the rewrite's ReadItems and CheckFailures hold the items locally.
        if (
          event.stateName === 'Plan' ||
          event.stateName === 'Assemble' ||
          event.stateName === 'MarkFailed'
        ) {
          payloads.push({
            state: event.stateName,
            bytes: JSON.stringify([event.input, event.output]).length,
          });
        }
        if (event.stateName === 'RunUnitLocally' && event.type === 'StateEntered') {
          payloads.push({ state: 'RunUnitLocally', bytes: JSON.stringify(event.input).length });
        }
      },
    });
    expect(outcome.status).toBe('succeeded');
    const output = JSON.stringify(outcome.status === 'succeeded' ? outcome.output : null);
    expect(output.length).toBeLessThan(1024);
    expect(output).not.toContain('unit-');
    expect(payloads.length).toBeGreaterThan(1000);
    expect(Math.max(...payloads.map((payload) => payload.bytes))).toBeLessThan(2048);
  });

  it('does not start a job whose signal has already fired', async () => {
    const job = fakeJob();
    const outcome = await engineFor(job.handlers).run(INPUT, { signal: AbortSignal.abort() });
    expect(outcome).toEqual({ status: 'aborted' });
    expect(job.calls).toEqual([]);
  });

  it('stops calling a listener that throws, finishes the job, then reports the listener’s error', async () => {
    const job = fakeJob();
    let calls = 0;
    const run = engineFor(job.handlers).run(INPUT, {
      onEvent: () => {
        calls += 1;
        throw new Error('log sink closed');
      },
    });
    await expect(run).rejects.toThrow(/onEvent listener threw/);
    expect(calls).toBe(1);
    expect(job.calls).toContain('assemble');
  });

  it('refuses a definition with a Task it has no handler for', () => {
    const definition = {
      StartAt: 'Call',
      States: {
        Call: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:other', End: true },
      },
    };
    expect(() => new LocalWorkflowEngine({ handlers: fakeJob().handlers, definition })).toThrow(
      /Task state "Call" has Resource .*function:other/,
    );
  });
});
