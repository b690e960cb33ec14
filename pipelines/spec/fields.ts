/**
 * Building blocks for the spec's schemas. Every message they produce names the value given and
 * what is allowed; the field's path is added by the formatter (issues.ts).
 */
import { z } from 'zod';
import { InvalidArgumentError } from '../../versioning/errors.ts';

/** A value as it appears in messages: JSON, cut short. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

/** A zod error function: "got <value>: <allowed>", or "missing: <allowed>" for an absent field. */
export function rule(allowed: string): (issue: { readonly input?: unknown }) => string {
  return (issue) =>
    issue.input === undefined ? `missing: ${allowed}` : `got ${show(issue.input)}: ${allowed}`;
}

/**
 * A string read by a parse function of the domain (parseRepoName, parseDuration, …): the
 * function's InvalidArgumentError message, which names the value and the rule, is the issue.
 */
export function parsedString<T>(allowed: string, parse: (text: string) => T) {
  return z.string({ error: rule(allowed) }).transform((text, context): T => {
    try {
      return parse(text);
    } catch (error) {
      if (!(error instanceof InvalidArgumentError)) throw error;
      context.addIssue({ code: 'custom', message: error.message, input: text });
      return z.NEVER;
    }
  });
}

/** Like parsedString, for fields Pachyderm writes as a number or a string (quantities). */
export function parsedNumberOrString<T>(allowed: string, parse: (value: string | number) => T) {
  return z
    .union([z.number({ error: rule(allowed) }), z.string({ error: rule(allowed) })], { error: rule(allowed) })
    .transform((value, context): T => {
      try {
        return parse(value);
      } catch (error) {
        if (!(error instanceof InvalidArgumentError)) throw error;
        context.addIssue({ code: 'custom', message: error.message, input: value });
        return z.NEVER;
      }
    });
}

/**
 * A whole number in [min, max]. Pachyderm's int64 fields may also be strings of digits: that
 * is how protobuf's JSON prints them (`"datum_tries": "3"`), so such specs are accepted as-is.
 */
export function wholeNumber(bounds: { readonly min: number; readonly max?: number }, example: string) {
  const max = bounds.max ?? Number.MAX_SAFE_INTEGER;
  const allowed =
    bounds.max === undefined
      ? `use a whole number ≥ ${bounds.min}, e.g. ${example}`
      : `use a whole number from ${bounds.min} to ${max}, e.g. ${example}`;
  const error = rule(allowed);
  return z
    .union(
      [
        z.int({ error }).min(bounds.min, { error }).max(max, { error }),
        z.string({ error }).regex(/^\d+$/, { error }),
      ],
      { error },
    )
    .transform((value, context) => {
      const number = Number(value);
      if (number < bounds.min || number > max) {
        context.addIssue({ code: 'custom', message: error({ input: value }), input: value });
        return z.NEVER;
      }
      return number;
    });
}

/**
 * An object with Pachyderm's field names that rejects unknown fields, naming the field, the
 * nearest known name and every known name: a typo in a spec must never pass silently.
 * `accepted` fields are Pachyderm's, accepted but not supported yet (see unimplemented.ts).
 */
export function specObject<Shape extends z.core.$ZodLooseShape>(
  shape: Shape,
  accepted: Readonly<Record<string, string>> = {},
) {
  const implemented = Object.keys(shape).filter((key) => !(key in accepted) && key !== '$schema');
  const everyName = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code !== 'unrecognized_keys') return undefined;
      const fields = issue.keys.map((key) => `${show(key)}${suggestion(key, everyName)}`).join(', ');
      return `unknown field ${fields}; the fields here are ${implemented.join(', ')}`;
    },
  });
}

/** The shape entries of accepted-but-unimplemented fields: any value, documented in the JSON Schema. */
export function acceptedFields(
  reasons: Readonly<Record<string, string>>,
): Record<string, z.ZodOptional<z.ZodUnknown>> {
  return Object.fromEntries(
    Object.entries(reasons).map(([field, reason]) => [
      field,
      z
        .unknown()
        .optional()
        .meta({
          description: `Pachyderm field, accepted but not supported yet by Strata (a warning is given): ${reason}.`,
        }),
    ]),
  );
}

/** A field that may not appear here, with the reason as its message. */
export function forbiddenField(reason: string) {
  return z
    .never({ error: rule(reason) })
    .optional()
    .meta({ description: `Not allowed here: ${reason}.` });
}

/** Like forbiddenField, but its protobuf zero value ("" or false) is accepted: protobuf JSON reads it as unset. */
export function forbiddenUnlessZero<Zero extends '' | false>(reason: string, zero: Zero) {
  return z
    .literal(zero, { error: rule(reason) })
    .optional()
    .meta({
      description: `Not allowed here: ${reason}. (${JSON.stringify(zero)}, meaning unset, is accepted.)`,
    });
}

/** `input.cross[1].pfs`: the notation of every message's field path. */
export function pathText(path: readonly PropertyKey[]): string {
  return path
    .map((part, index) =>
      typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`,
    )
    .join('');
}

/** " (did you mean "glob"?)" when a known name is one or two edits away, or differs only in case and '_'. */
function suggestion(key: string, names: readonly string[]): string {
  const squash = (name: string) => name.toLowerCase().replaceAll(/[_-]/g, '');
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 4)) + 1;
  for (const name of names) {
    const distance = squash(name) === squash(key) ? 0 : editDistance(key, name);
    if (distance < bestDistance) [best, bestDistance] = [name, distance];
  }
  return best === undefined ? '' : ` (did you mean ${show(best)}?)`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}
