/**
 * The wire form of the domain's events (versioning/events.ts): the JSON of the event object
 * itself, the same in the local event log and in an EventBridge event's `detail`. Every reader
 * parses it through this schema, which rebuilds the branded IDs; a value that does not parse is
 * never handed to a handler.
 */
import { z } from 'zod';
import { InvalidArgumentError } from '../versioning/errors.ts';
import type { StrataEvent } from '../versioning/events.ts';
import { parseBranchName, parseCommitId, parseCommitSetId, parseRepoName } from '../versioning/ids.ts';

/** A string field read through one of the ID parse functions; its message becomes the issue's. */
function branded<T>(parse: (value: string) => T) {
  return z.string().transform((value, ctx) => {
    try {
      return parse(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
      return z.NEVER;
    }
  });
}

export const strataEventSchema = z.object({
  type: z.literal('CommitFinished'),
  repo: branded(parseRepoName),
  branch: branded(parseBranchName).nullable(),
  commit: branded(parseCommitId),
  commitSet: branded(parseCommitSetId),
  error: z.string().nullable(),
});

/**
 * Reads one event from its parsed JSON. Throws InvalidArgumentError listing every field that is
 * wrong, each with its path (`commit: invalid commit ID "xyz": …`).
 */
export function parseStrataEvent(value: unknown): StrataEvent {
  const result = strataEventSchema.safeParse(value);
  if (result.success) return result.data;
  throw new InvalidArgumentError(`not a Strata event: ${describeIssues(result.error)}`, {
    cause: result.error,
  });
}

/** One line per issue, `path: message`, joined with '; '. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(the value)'}: ${issue.message}`)
    .join('; ');
}
