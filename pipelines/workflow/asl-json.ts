/**
 * Amazon States Language definitions handled as plain JSON. The workflow code reads, checks and
 * rewrites definitions without a full ASL type model: a definition is a JSON object with a
 * `StartAt` name and a `States` record, each state a JSON object with a `Type`. Nested state
 * machines (a Map's `ItemProcessor` or `Iterator`, a Parallel's `Branches`) have the same shape.
 * Fields beyond these are read where they are used, through small schemas, never cast.
 */
import { z } from 'zod';
import { InvalidArgumentError } from '../../versioning/errors.ts';

export const JsonValueSchema = z.json();
export type JsonValue = z.infer<typeof JsonValueSchema>;
export type JsonObject = { [key: string]: JsonValue };
export const JsonObjectSchema = z.record(z.string(), JsonValueSchema);

export type AslState = JsonObject & { readonly Type: string };
export type AslStateMachine = JsonObject & {
  readonly StartAt: string;
  readonly States: Record<string, AslState>;
};

const AslStateSchema = JsonObjectSchema.and(z.object({ Type: z.string() }));
const AslStateMachineSchema = JsonObjectSchema.and(
  z.object({ StartAt: z.string(), States: z.record(z.string(), AslStateSchema) }),
);

/** `where` names the definition or nested state machine, so the message can point at it. */
export function parseStateMachine(value: unknown, where: string): AslStateMachine {
  const parsed = AslStateMachineSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
    throw new InvalidArgumentError(
      `${where} is not a state machine definition${at}: ${issue?.message ?? 'invalid'}; ` +
        'expected a JSON object with "StartAt" and "States" (each state an object with a "Type").',
    );
  }
  if (!(parsed.data.StartAt in parsed.data.States)) {
    throw new InvalidArgumentError(
      `${where} starts at "${parsed.data.StartAt}", which is not one of its States.`,
    );
  }
  return parsed.data;
}

export function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A copy of `object` without `fields`. */
export function withoutFields<T extends JsonObject>(object: T, fields: readonly string[]): T {
  const copy = { ...object };
  for (const field of fields) delete copy[field];
  return copy;
}

/**
 * The state machines a state holds: a Map's ItemProcessor (or Iterator), a Parallel's Branches,
 * each with `where` naming it under `at`, the state's own name in messages.
 */
export function nestedStateMachines(
  state: AslState,
  at: string,
): { machine: AslStateMachine; where: string }[] {
  const nested: { machine: AslStateMachine; where: string }[] = [];
  for (const field of ['ItemProcessor', 'Iterator'] as const) {
    const where = `${at}.${field}`;
    if (state[field] !== undefined) nested.push({ machine: parseStateMachine(state[field], where), where });
  }
  if (Array.isArray(state.Branches)) {
    state.Branches.forEach((branch, i) => {
      const where = `${at}.Branches[${i}]`;
      nested.push({ machine: parseStateMachine(branch, where), where });
    });
  }
  return nested;
}

/** Calls `visit` for every state of `machine` and of the state machines nested in it. */
export function forEachState(
  machine: AslStateMachine,
  visit: (name: string, state: AslState) => void,
  where = '$',
): void {
  for (const [name, state] of Object.entries(machine.States)) {
    visit(name, state);
    for (const nested of nestedStateMachines(state, `${where}.States.${name}`)) {
      forEachState(nested.machine, visit, nested.where);
    }
  }
}

const PLACEHOLDER = /\$\{([A-Za-z0-9_]+)\}/g;

/**
 * Replaces every `${Name}` in every string of `value`, as CloudFormation's DefinitionSubstitutions
 * do for a deployed state machine.
 */
export function substitutePlaceholders(value: JsonValue, substitute: (name: string) => string): JsonValue {
  if (typeof value === 'string') return value.replace(PLACEHOLDER, (_, name: string) => substitute(name));
  if (Array.isArray(value)) return value.map((item) => substitutePlaceholders(item, substitute));
  if (isJsonObject(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, substitutePlaceholders(item, substitute)]),
    );
  }
  return value;
}

/** The names of the `${Name}` placeholders in `value`. */
export function placeholderNames(value: JsonValue): Set<string> {
  const names = new Set<string>();
  substitutePlaceholders(value, (name) => {
    names.add(name);
    return '';
  });
  return names;
}
