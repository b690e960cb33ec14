import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../pipelines/workflow/asl-json.ts';
import { LOCAL_STATE_KEYS } from '../../pipelines/workflow/local-rewrite.ts';
import {
  checkToleratedFailures,
  ToleratedFailureThresholdExceeded,
} from '../../pipelines/workflow/tolerated-failures.ts';

const FAILED = { [LOCAL_STATE_KEYS.itemFailure]: { Error: 'Strata.UnitFailed', Cause: 'exit 137' } };
const SUCCEEDED = { unit: 'u' };

/** The state `<Map>.CheckFailures` receives: `failed` failed items out of `total`. */
function checkInput(
  failed: number,
  total: number,
  tolerance: Record<string, number> = {},
): Record<string, JsonValue> {
  const outcomes = Array.from({ length: total }, (_, i) => (i < failed ? FAILED : SUCCEEDED));
  return {
    state: { jobId: 'job-1', [LOCAL_STATE_KEYS.items]: [], [LOCAL_STATE_KEYS.outcomes]: outcomes },
    ...tolerance,
  };
}

describe('checkToleratedFailures', () => {
  it('returns the map’s state without the local keys when every item succeeded', () => {
    expect(checkToleratedFailures(checkInput(0, 3))).toEqual({ jobId: 'job-1' });
  });

  it('tolerates failures up to the percentage, not beyond it', () => {
    expect(checkToleratedFailures(checkInput(1, 10, { toleratedFailurePercentage: 10 }))).toEqual({
      jobId: 'job-1',
    });
    expect(() => checkToleratedFailures(checkInput(2, 10, { toleratedFailurePercentage: 10 }))).toThrow(
      ToleratedFailureThresholdExceeded,
    );
  });

  it('tolerates failures up to the count, not beyond it', () => {
    expect(checkToleratedFailures(checkInput(2, 3, { toleratedFailureCount: 2 }))).toEqual({
      jobId: 'job-1',
    });
    expect(() => checkToleratedFailures(checkInput(3, 3, { toleratedFailureCount: 2 }))).toThrow(
      ToleratedFailureThresholdExceeded,
    );
  });

  it('fails when either of both limits is exceeded', () => {
    expect(() =>
      checkToleratedFailures(
        checkInput(2, 100, { toleratedFailurePercentage: 50, toleratedFailureCount: 1 }),
      ),
    ).toThrow(ToleratedFailureThresholdExceeded);
  });

  it('tolerates nothing when no limit is set, as AWS does', () => {
    expect(() => checkToleratedFailures(checkInput(1, 1000))).toThrow(
      /1 of 1000 items failed \(0.1%\), more than the tolerated none/,
    );
  });

  it('names the error as Step Functions does and quotes the first failure', () => {
    try {
      checkToleratedFailures(checkInput(3, 4, { toleratedFailurePercentage: 50 }));
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({
        name: 'States.ExceedToleratedFailureThreshold',
        message:
          '3 of 4 items failed (75%), more than the tolerated 50%; first failure: Strata.UnitFailed: exit 137',
      });
    }
  });

  it('passes an empty map', () => {
    expect(checkToleratedFailures(checkInput(0, 0))).toEqual({ jobId: 'job-1' });
  });

  it('rejects an input without the outcome list as a contract violation', () => {
    expect(() => checkToleratedFailures({ state: { jobId: 'job-1' } })).toThrow(/no outcome list/);
    expect(() => checkToleratedFailures({ state: [] })).toThrow(/invalid input/);
  });
});
