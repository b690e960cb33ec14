/**
 * Turns schema issues into the problems a user reads: "<field path>: <message>", where the path
 * is in the spec's own notation (`input.cross[1].pfs.glob`) and the message names the value
 * given and what is allowed. All problems of a spec are reported together, in one error.
 */
import type { z } from 'zod';
import { InvalidArgumentError } from '../../versioning/errors.ts';
import { pathText, show } from './fields.ts';

export interface SpecProblem {
  /** The field, e.g. `input.cross[1].pfs.glob`; empty for the spec as a whole. */
  readonly path: string;
  readonly message: string;
}

export class PipelineSpecError extends InvalidArgumentError {
  readonly source: string;
  readonly problems: readonly SpecProblem[];

  constructor(source: string, problems: readonly SpecProblem[]) {
    const lines = problems.map(
      (problem) => `  - ${problem.path === '' ? '' : `${problem.path}: `}${problem.message}`,
    );
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`${source}: invalid pipeline spec (${count}):\n${lines.join('\n')}`);
    this.source = source;
    this.problems = problems;
  }
}

/** One problem per issue, duplicates dropped; an unknown field's path ends with the field. */
export function problemsFromIssues(issues: readonly z.core.$ZodIssue[]): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const seen = new Set<string>();
  for (const issue of issues) {
    const path =
      issue.code === 'unrecognized_keys' && issue.keys.length === 1
        ? [...issue.path, issue.keys[0]!]
        : issue.path;
    const problem = { path: pathText(path), message: issue.message };
    const key = `${problem.path}\n${problem.message}`;
    if (!seen.has(key)) problems.push(problem);
    seen.add(key);
  }
  return problems;
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  record: 'an object',
  never: 'nothing',
};

/**
 * Messages for the issues whose schema gives none (plain types and bounds), in the same
 * "got <value>: <allowed>" form as the schema's own.
 */
export const fallbackMessage: z.core.$ZodErrorMap = (issue) => {
  const got = issue.input === undefined ? 'missing' : `got ${show(issue.input)}`;
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'missing: this field is required';
      return `${got}: expected ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
    case 'too_small':
      return `${got}: use at least ${String(issue.minimum)}${issue.origin === 'array' ? ' items' : ''}`;
    case 'too_big':
      return `${got}: use at most ${String(issue.maximum)}${issue.origin === 'array' ? ' items' : ''}`;
    case 'invalid_value':
      return `${got}: use one of ${issue.values.map((value) => show(value)).join(', ')}`;
    case 'invalid_format':
      return `${got}: does not have the expected form${'pattern' in issue ? ` ${String(issue.pattern)}` : ''}`;
    case 'invalid_key':
      return `${got}: not an allowed key`;
    default:
      return `${got}: not allowed here`;
  }
};
