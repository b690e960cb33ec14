import { InvalidArgumentError } from '../errors.ts';

/** A whole-number prop: `fallback` when absent, else a safe integer of at least `least`. */
export function wholeNumberProp(
  owner: string,
  name: string,
  value: number | undefined,
  fallback: number,
  least: number,
): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < least) {
    throw new InvalidArgumentError(`invalid ${owner} ${name} ${value}: give a whole number ≥ ${least}`);
  }
  return value;
}
