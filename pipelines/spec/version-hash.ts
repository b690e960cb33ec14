/**
 * A spec version is named by the SHA-256 of its normalized spec's canonical JSON: object keys
 * sorted at every depth, no whitespace. Two files that differ only in formatting, key order, YAML
 * versus JSON, or in spelling out a default, are the same version; any change to what the
 * pipeline does is a new one.
 */
import { createHash } from 'node:crypto';
import { InvalidArgumentError } from '../../versioning/errors.ts';
import type { Brand } from '../../versioning/ids.ts';
import type { PipelineSpec } from './schema.ts';

/** 64 lowercase hex characters. */
export type SpecVersionHash = Brand<string, 'SpecVersionHash'>;

const HEX64 = /^[0-9a-f]{64}$/;

export function specVersionHash(spec: PipelineSpec): SpecVersionHash {
  return createHash('sha256').update(canonicalJson(spec)).digest('hex') as SpecVersionHash;
}

export function parseSpecVersionHash(value: string): SpecVersionHash {
  if (!HEX64.test(value)) {
    throw new InvalidArgumentError(
      `invalid spec version ${JSON.stringify(value)}: expected a SHA-256 in hex`,
    );
  }
  return value as SpecVersionHash;
}

/** JSON with object keys sorted at every depth; fails on values JSON cannot hold exactly. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw new InvalidArgumentError(`cannot hash the number ${value}: JSON has no form for it`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, field]) => field !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, field]) => `${JSON.stringify(key)}:${canonicalJson(field)}`).join(',')}}`;
  }
  throw new InvalidArgumentError(`cannot hash a value of type ${typeof value}: JSON has no form for it`);
}
