/**
 * Cross, join and group over the datums of child inputs. Each needs to see its children's
 * datums more than once or out of order, so it holds them in memory as references (a few hundred
 * bytes each, no file lists), counted against the plan's MatchBudget. Orders are deterministic:
 *
 * - cross: the first child's datums stream, outermost; the others are held; combinations come in
 *   the order of nested loops over the children (the last child varies fastest).
 * - join: datums are keyed by their join_on text; keys in string order; for each key, the cross
 *   of the children's datums with that key. A key that some child lacks gives datums only if a
 *   child that has it is an outer join (outer_join on one of its pfs inputs): then the cross of
 *   the children that have it. So an inner join keeps matched keys only, and an outer child's
 *   unmatched datums still run, alone or with the other children that matched.
 * - group: datums are keyed by their group_by text; keys in string order; one datum per key
 *   holding every match of every child with that key, in child order, each match once.
 */
import { InvalidArgumentError } from '../../versioning/errors.ts';
import type { PfsInput } from '../spec/input.ts';
import { type DatumRef, type InputMatch, type MatchBudget, refOf } from './datum-ref.ts';
import { type CaptureGlob, captureGroups, compileCaptureGlob, expandCaptures } from './glob-capture.ts';
import { leafKey } from './input-tree.ts';

export type RefStream = () => AsyncIterable<DatumRef>;

export async function* crossRefs(
  children: readonly RefStream[],
  budget: MatchBudget,
): AsyncGenerator<DatumRef> {
  const [first, ...others] = children;
  if (first === undefined) return;
  const held: DatumRef[][] = [];
  for (const child of others) held.push(await hold(child, budget, 'a cross'));
  if (held.some((refs) => refs.length === 0)) return;
  for await (const head of first()) {
    for (const combination of product(held)) yield refOf(concatMatches([head, ...combination]));
  }
}

export async function* joinRefs(
  children: readonly RefStream[],
  outer: readonly boolean[],
  budget: MatchBudget,
): AsyncGenerator<DatumRef> {
  const keys = new KeyReader('joinOn');
  const byKey = new Map<string, DatumRef[][]>();
  for (const [i, child] of children.entries()) {
    for await (const ref of child()) {
      budget.take(ref.matches.length, 'a join');
      const key = keys.keyOf(ref);
      let lists = byKey.get(key);
      if (lists === undefined) {
        lists = children.map(() => []);
        byKey.set(key, lists);
      }
      lists[i]!.push(ref);
    }
  }
  for (const key of [...byKey.keys()].sort()) {
    const lists = byKey.get(key)!;
    const present = lists.filter((refs) => refs.length > 0);
    const keep = present.length === lists.length || lists.some((refs, i) => refs.length > 0 && outer[i]);
    if (!keep) continue;
    for (const combination of product(present)) yield refOf(concatMatches(combination));
  }
}

export async function* groupRefs(
  children: readonly RefStream[],
  budget: MatchBudget,
): AsyncGenerator<DatumRef> {
  const keys = new KeyReader('groupBy');
  const byKey = new Map<string, { matches: InputMatch[]; seen: Set<string> }>();
  for (const child of children) {
    for await (const ref of child()) {
      budget.take(ref.matches.length, 'a group');
      const key = keys.keyOf(ref);
      let group = byKey.get(key);
      if (group === undefined) {
        group = { matches: [], seen: new Set() };
        byKey.set(key, group);
      }
      for (const match of ref.matches) {
        const identity = matchKey(match);
        if (group.seen.has(identity)) continue;
        group.seen.add(identity);
        group.matches.push(match);
      }
    }
  }
  for (const key of [...byKey.keys()].sort()) yield refOf(byKey.get(key)!.matches);
}

/** A union's datums, each once: children that share an input slot can match the same path. */
export async function* unionRefs(
  children: readonly RefStream[],
  sharesSlots: boolean,
  budget: MatchBudget,
): AsyncGenerator<DatumRef> {
  const seen = sharesSlots ? new Set<string>() : undefined;
  for (const child of children) {
    for await (const ref of child()) {
      if (seen !== undefined) {
        if (seen.has(ref.id)) continue;
        budget.take(1, 'a union of inputs that share a name, repo and branch');
        seen.add(ref.id);
      }
      yield ref;
    }
  }
}

async function hold(child: RefStream, budget: MatchBudget, what: string): Promise<DatumRef[]> {
  const refs: DatumRef[] = [];
  for await (const ref of child()) {
    budget.take(ref.matches.length, what);
    refs.push(ref);
  }
  return refs;
}

/** Every choice of one item per list, first list outermost. */
function* product<T>(lists: readonly (readonly T[])[]): Generator<T[]> {
  if (lists.some((list) => list.length === 0)) return;
  const at = lists.map(() => 0);
  for (;;) {
    yield lists.map((list, i) => list[at[i]!]!);
    let i = lists.length - 1;
    while (i >= 0 && ++at[i]! === lists[i]!.length) at[i--] = 0;
    if (i < 0) return;
  }
}

function concatMatches(refs: readonly DatumRef[]): InputMatch[] {
  return refs.flatMap((ref) => ref.matches);
}

function matchKey(match: InputMatch): string {
  return JSON.stringify([leafKey(match.source.leaf), match.type, match.path]);
}

/**
 * The join_on or group_by text of a datum: its template expanded with the captures of the glob
 * that matched, for each of its inputs that has one (several are joined as a JSON list).
 */
class KeyReader {
  readonly #field: 'joinOn' | 'groupBy';
  readonly #globs = new Map<string, CaptureGlob>();

  constructor(field: 'joinOn' | 'groupBy') {
    this.#field = field;
  }

  keyOf(ref: DatumRef): string {
    const texts: string[] = [];
    for (const match of ref.matches) {
      const template = match.source.leaf[this.#field];
      if (template === null) continue;
      texts.push(this.#expand(match.source.leaf, template, match.path));
    }
    if (texts.length === 0) {
      const names = ref.matches.map((match) => JSON.stringify(match.source.leaf.name)).join(', ');
      const field = this.#field === 'joinOn' ? 'join_on' : 'group_by';
      const kind = this.#field === 'joinOn' ? 'join' : 'group';
      throw new InvalidArgumentError(
        `a datum of input ${names} has no ${field}: every input inside a ${kind} needs ${field} (e.g. "$1" with a glob like "/(*).txt")`,
      );
    }
    return texts.length === 1 ? texts[0]! : JSON.stringify(texts);
  }

  #expand(leaf: PfsInput, template: string, path: string): string {
    let glob = this.#globs.get(leaf.glob);
    if (glob === undefined) {
      glob = compileCaptureGlob(leaf.glob);
      this.#globs.set(leaf.glob, glob);
    }
    const groups = captureGroups(glob, path);
    if (groups === undefined) {
      throw new InvalidArgumentError(
        `input ${JSON.stringify(leaf.name)}: glob ${JSON.stringify(leaf.glob)} matched ${JSON.stringify(path)} in the file index, but its capture groups could not be read from it${glob.divergence ? ` (${glob.divergence})` : ''}; write the glob with '*', '?', '[…]', '{…}' and '(…)' only`,
      );
    }
    return expandCaptures(template, path, groups);
  }
}
