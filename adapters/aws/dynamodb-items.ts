/**
 * How one KV entry is stored as a DynamoDB item, and where values too big for an item go.
 *
 * Rules:
 * - An item is `{pk, sk, version, value}`, or `{pk, sk, version, spill}` when the value would make
 *   the item larger than DynamoDB's 400 KB limit. `spill` is the object-store key
 *   `kv-spill/<ab>/<sha256 of the value's UTF-8 bytes>`, so equal values share one object, a
 *   spilled object is written before the item that points at it, and a reader checks the bytes
 *   against their name.
 * - Spilled objects are never deleted by the store: another item may point at the same content.
 *   Overwritten or deleted large values leave objects that a sweep of `kv-spill/` can remove.
 */
import { createHash } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { CorruptDataError, InvalidArgumentError, NotFoundError } from '../../versioning/errors.ts';
import type { KvItem, ObjectStore } from '../../versioning/ports.ts';
import { assertStorageKey } from '../storage-rules.ts';
import { kvAttributes, kvTableSchema, MAX_KEY_BYTES, partitionOf } from './dynamodb-table.ts';

/** DynamoDB's item size limit: attribute names and values together. */
export const MAX_ITEM_BYTES = 400 * 1024;

/** The largest a number attribute can count towards the item size. */
const MAX_NUMBER_BYTES = 21;

export const SPILL_PREFIX = 'kv-spill/';

export type DynamoItem = Record<string, AttributeValue>;

/** A stored item, parsed: the value is either inline or the key of its spilled object. */
export interface StoredItem {
  readonly key: string;
  readonly version: number;
  readonly value: { readonly inline: string } | { readonly spilled: string };
}

const { partitionKey, sortKey } = kvTableSchema;

/** Throws InvalidArgumentError unless `key` is a storage key that fits a DynamoDB sort key. */
export function assertKvKey(key: string): void {
  assertStorageKey(key);
  if (key.length > MAX_KEY_BYTES) {
    throw new InvalidArgumentError(
      `invalid storage key ${JSON.stringify(`${key.slice(0, 60)}…`)} (${key.length} bytes): DynamoDB keys are at most ${MAX_KEY_BYTES} bytes; use a shorter key`,
    );
  }
}

/** The primary key of the item that holds `key`. */
export function itemKey(key: string): DynamoItem {
  return { [partitionKey.name]: { S: partitionOf(key) }, [sortKey.name]: { S: key } };
}

/**
 * Builds the item for `key` at `version`, spilling the value to `spill` when it is too big for an
 * item. Throws InvalidArgumentError, before anything is written, when it is too big and there is
 * no spill store.
 */
/** Length of a writer tag (see DynamoDbKvStore's conditional writes): 16 random bytes, base64url. */
export const WRITER_TAG_LENGTH = 22;

export async function encodeItem(
  key: string,
  value: string,
  version: number,
  spill: ObjectStore | undefined,
  writer?: string,
): Promise<DynamoItem> {
  const bytes = Buffer.from(value, 'utf8');
  const primary = itemKey(key);
  const fixedBytes =
    partitionKey.name.length +
    partitionOf(key).length +
    sortKey.name.length +
    key.length +
    kvAttributes.version.length +
    MAX_NUMBER_BYTES +
    kvAttributes.writer.length +
    WRITER_TAG_LENGTH;
  const base = {
    ...primary,
    [kvAttributes.version]: { N: String(version) },
    ...(writer !== undefined ? { [kvAttributes.writer]: { S: writer } } : {}),
  };
  if (fixedBytes + kvAttributes.value.length + bytes.length <= MAX_ITEM_BYTES) {
    return { ...base, [kvAttributes.value]: { S: value } };
  }
  if (spill === undefined) {
    throw new InvalidArgumentError(
      `value of ${JSON.stringify(key)} is ${bytes.length} bytes, over DynamoDB's item limit of ${MAX_ITEM_BYTES} bytes ` +
        '(400 KB, key included), and this DynamoDbKvStore has no spill store: give it `spill` (an ObjectStore), ' +
        'or keep the content in the object store and put its key here',
    );
  }
  const spillKey = spillKeyOf(bytes);
  await spill.putIfAbsent(spillKey, bytes);
  return { ...base, [kvAttributes.spill]: { S: spillKey } };
}

/** Parses a stored item; throws CorruptDataError when it is not of the table's shape. */
export function decodeItem(item: DynamoItem, table: string): StoredItem {
  const key = item[sortKey.name]?.S;
  const versionText = item[kvAttributes.version]?.N;
  const version = versionText === undefined ? Number.NaN : Number(versionText);
  const inline = item[kvAttributes.value]?.S;
  const spilled = item[kvAttributes.spill]?.S;
  const value =
    inline !== undefined && spilled === undefined
      ? { inline }
      : spilled !== undefined && inline === undefined
        ? { spilled }
        : undefined;
  if (key === undefined || !Number.isSafeInteger(version) || version < 1 || value === undefined) {
    throw new CorruptDataError(
      `DynamoDB table ${table} holds a malformed item ${JSON.stringify(key ?? item[sortKey.name])}: ` +
        `expected a string ${sortKey.name}, a whole ${kvAttributes.version} ≥ 1 and either a string ${kvAttributes.value} or ${kvAttributes.spill}; ` +
        'delete or repair the item',
    );
  }
  return { key, version, value };
}

/** The KvItem of a stored item, reading a spilled value back from `spill`. */
export async function readItem(
  stored: StoredItem,
  spill: ObjectStore | undefined,
  table: string,
): Promise<KvItem> {
  const { key, version } = stored;
  if ('inline' in stored.value) return { key, version, value: stored.value.inline };
  const spillKey = stored.value.spilled;
  if (spill === undefined) {
    throw new InvalidArgumentError(
      `the value of ${JSON.stringify(key)} in DynamoDB table ${table} is spilled to object ${spillKey}, ` +
        'but this DynamoDbKvStore has no spill store: give it `spill`, the ObjectStore it was written with',
    );
  }
  let bytes: Uint8Array;
  try {
    bytes = await spill.get(spillKey);
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    throw new CorruptDataError(
      `the value of ${JSON.stringify(key)} in DynamoDB table ${table} points at object ${spillKey}, which is missing ` +
        'from the spill store; restore the object or write the key again',
      { cause: error },
    );
  }
  if (spillKeyOf(bytes) !== spillKey) {
    throw new CorruptDataError(
      `object ${spillKey}, the spilled value of ${JSON.stringify(key)}, does not match its hash; restore it from a backup`,
    );
  }
  return { key, version, value: new TextDecoder().decode(bytes) };
}

function spillKeyOf(bytes: Uint8Array): string {
  const hash = createHash('sha256').update(bytes).digest('hex');
  return `${SPILL_PREFIX}${hash.slice(0, 2)}/${hash}`;
}
