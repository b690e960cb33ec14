/**
 * The DynamoDB table behind DynamoDbKvStore: its schema, and the rule that places each KV key in
 * it. The test harness and `strata aws init` (through `ensureKvTable`, dynamodb-table-setup.ts)
 * create the table from `createKvTableInput`, and the CDK stack from `kvTableSchema`, so every
 * deployment has the same shape.
 *
 * Rules of the table format (changing any of them needs a migration of stored items):
 * - One item per KV key. `sk` (sort key) is the key itself; `pk` (partition key) is derived from
 *   it by `partitionOf`; `version` is a number; the value is in `value`, or, when it is too big
 *   for an item, in the object store under the key held by `spill`.
 * - `pk` of a key `<family>/<second>[/…]` is `<family>/#<h>`, where `<h>` is the first hex digit
 *   of sha256(`<second>`): 16 partitions per family. A key without '/' is its own partition.
 * - So a prefix with at least two '/' (`commit/<repo>/`, `job/<pipeline>/`,
 *   `commitset/<set>/<repo>/`) lies in one partition and is scanned by one Query; a prefix with
 *   one '/' (`repo/`, `pipeline/`, or a partial segment such as `a/b`) by 16 Queries merged in
 *   order; a prefix without '/' (only tools and tests use one) by a full-table Scan.
 * - Why hash the second segment: each partition serves at most 3,000 reads and 1,000 writes per
 *   second, and the chunk index (`chunk/<sha>`, the hottest write path) and every repo's commits
 *   would otherwise each share one partition key value. Hashing spreads `chunk/` over 16 values
 *   (AWS's "write sharding with calculated suffixes"), while all records of one repo or pipeline
 *   stay together for their scans. One repo's commits, or one job's datum results, still share a
 *   value; DynamoDB's split-for-heat divides such a value by sort-key range under sustained load,
 *   which works here because the table has no local secondary index.
 * - Query returns a partition in UTF-8 byte order of `sk`; keys are printable ASCII, so that is
 *   the port's byte order, and merged partitions are compared with JavaScript's `<` on the keys.
 */
import { createHash } from 'node:crypto';
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { assertTableName } from './resource-names.ts';

export { assertTableName };

/** The table's key schema and billing, as data for the CLI, the CDK stack and tests. */
export const kvTableSchema = {
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  billingMode: 'PAY_PER_REQUEST',
} as const;

/** Names of the item attributes besides the key. */
export const kvAttributes = { version: 'version', value: 'value', spill: 'spill', writer: 'writer' } as const;

/** Partitions per key family (see the module doc); part of the table format. */
export const FAMILY_PARTITIONS = 16;

/** DynamoDB's limit on a sort key value. */
export const MAX_KEY_BYTES = 1024;

/** The CreateTable request for a KV table named `name`. */
export function createKvTableInput(name: string): CreateTableCommandInput {
  assertTableName(name, 'table');
  const { partitionKey, sortKey, billingMode } = kvTableSchema;
  return {
    TableName: name,
    AttributeDefinitions: [
      { AttributeName: partitionKey.name, AttributeType: partitionKey.type },
      { AttributeName: sortKey.name, AttributeType: sortKey.type },
    ],
    KeySchema: [
      { AttributeName: partitionKey.name, KeyType: 'HASH' },
      { AttributeName: sortKey.name, KeyType: 'RANGE' },
    ],
    BillingMode: billingMode,
  };
}

/** The `aws dynamodb create-table` command line that creates the same table. */
export function createKvTableCommandLine(name: string, options: { region?: string; endpoint?: string } = {}) {
  const { partitionKey, sortKey, billingMode } = kvTableSchema;
  return [
    'aws dynamodb create-table',
    `--table-name ${name}`,
    `--attribute-definitions AttributeName=${partitionKey.name},AttributeType=${partitionKey.type} AttributeName=${sortKey.name},AttributeType=${sortKey.type}`,
    `--key-schema AttributeName=${partitionKey.name},KeyType=HASH AttributeName=${sortKey.name},KeyType=RANGE`,
    `--billing-mode ${billingMode}`,
    ...(options.region !== undefined ? [`--region ${options.region}`] : []),
    ...(options.endpoint !== undefined ? [`--endpoint-url ${options.endpoint}`] : []),
  ].join(' ');
}

/** The partition key value of `key` (see the module doc). */
export function partitionOf(key: string): string {
  const first = key.indexOf('/');
  if (first < 0) return key;
  const end = key.indexOf('/', first + 1);
  const second = key.slice(first + 1, end < 0 ? undefined : end);
  return familyPartition(key.slice(0, first), bucketOf(second));
}

/**
 * Which partitions can hold keys that start with `prefix`: exactly one, the 16 of one family, or
 * unknown (any partition).
 */
export type PrefixPartitions =
  | { readonly kind: 'one'; readonly partition: string }
  | { readonly kind: 'family'; readonly partitions: readonly string[] }
  | { readonly kind: 'any' };

export function partitionsOfPrefix(prefix: string): PrefixPartitions {
  const first = prefix.indexOf('/');
  if (first < 0) return { kind: 'any' };
  // A complete second segment ends in '/'; before that it may be the start of a longer one.
  if (prefix.indexOf('/', first + 1) >= 0) return { kind: 'one', partition: partitionOf(prefix) };
  const family = prefix.slice(0, first);
  const partitions = Array.from({ length: FAMILY_PARTITIONS }, (_, bucket) =>
    familyPartition(family, bucket),
  );
  return { kind: 'family', partitions };
}

function familyPartition(family: string, bucket: number): string {
  return `${family}/#${bucket.toString(16)}`;
}

function bucketOf(segment: string): number {
  const digest = createHash('sha256').update(segment).digest();
  // With 16 partitions this is the first hex digit of the digest.
  return Math.floor((digest[0]! * FAMILY_PARTITIONS) / 256);
}
