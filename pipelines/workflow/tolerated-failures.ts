/**
 * The local stand-in for a Distributed Map's tolerated failures, run by `<Map>.CheckFailures`
 * after the inline map the local rewrite made (local-rewrite.ts, transformation 5).
 *
 * AWS's rule, kept here: failed (and timed-out) children are counted; the Map Run fails with
 * States.ExceedToleratedFailureThreshold when their share of all items exceeds
 * ToleratedFailurePercentage, or their number exceeds ToleratedFailureCount. When both are set,
 * exceeding either fails it; when neither is set, the tolerance is 0 and any failure fails it.
 * One difference: AWS stops starting children once the threshold is crossed; locally every item
 * runs first, then the rule is applied.
 */
import { z } from 'zod';
import { type JsonObject, JsonObjectSchema, type JsonValue, withoutFields } from './asl-json.ts';
import { WorkflowContractError } from './job-workflow.ts';
import { LOCAL_STATE_KEYS } from './local-rewrite.ts';

export const EXCEED_TOLERATED_FAILURE_THRESHOLD = 'States.ExceedToleratedFailureThreshold';

export class ToleratedFailureThresholdExceeded extends Error {
  constructor(message: string) {
    super(message);
    this.name = EXCEED_TOLERATED_FAILURE_THRESHOLD;
  }
}

const CheckInputSchema = z.object({
  /** The map's whole state, with the outcomes at LOCAL_STATE_KEYS.outcomes. */
  state: JsonObjectSchema,
  toleratedFailurePercentage: z.number().min(0).max(100).optional(),
  toleratedFailureCount: z.int().min(0).optional(),
});

const ItemFailureSchema = z.object({
  [LOCAL_STATE_KEYS.itemFailure]: z.object({ Error: z.string().optional(), Cause: z.string().optional() }),
});

/** Returns the map's state without the rewrite's keys, or throws when too many items failed. */
export function checkToleratedFailures(input: unknown): JsonObject {
  const parsed = CheckInputSchema.safeParse(input);
  if (!parsed.success) {
    throw new WorkflowContractError(
      `The tolerated-failure check got an invalid input: ${parsed.error.message}`,
    );
  }
  const { state, toleratedFailurePercentage, toleratedFailureCount } = parsed.data;
  const outcomes: JsonValue | undefined = state[LOCAL_STATE_KEYS.outcomes];
  if (!Array.isArray(outcomes)) {
    throw new WorkflowContractError(
      `The tolerated-failure check found no outcome list at $.${LOCAL_STATE_KEYS.outcomes}.`,
    );
  }
  const failures = outcomes.flatMap((outcome) => {
    const failure = ItemFailureSchema.safeParse(outcome);
    return failure.success ? [failure.data[LOCAL_STATE_KEYS.itemFailure]] : [];
  });
  const failed = failures.length;
  const total = outcomes.length;
  const percentageExceeded =
    toleratedFailurePercentage !== undefined && failed * 100 > toleratedFailurePercentage * total;
  const countExceeded = toleratedFailureCount !== undefined && failed > toleratedFailureCount;
  const noTolerance = toleratedFailurePercentage === undefined && toleratedFailureCount === undefined;
  if (percentageExceeded || countExceeded || (noTolerance && failed > 0)) {
    const first = failures[0];
    const tolerated = [
      toleratedFailurePercentage !== undefined ? `${toleratedFailurePercentage}%` : undefined,
      toleratedFailureCount !== undefined ? `${toleratedFailureCount} items` : undefined,
    ].filter((part) => part !== undefined);
    throw new ToleratedFailureThresholdExceeded(
      `${failed} of ${total} items failed (${formatPercentage(failed, total)}), more than the tolerated ` +
        `${tolerated.length > 0 ? tolerated.join(' or ') : 'none'}; first failure: ` +
        `${first?.Error ?? 'unnamed error'}: ${first?.Cause ?? 'no cause given'}`,
    );
  }
  return withoutFields(state, [LOCAL_STATE_KEYS.items, LOCAL_STATE_KEYS.outcomes]);
}

function formatPercentage(part: number, whole: number): string {
  return `${whole === 0 ? 0 : Math.round((part * 1000) / whole) / 10}%`;
}
