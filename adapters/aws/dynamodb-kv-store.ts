/**
 * The KvStore port on one DynamoDB table (layout and partition rule: dynamodb-table.ts; item
 * format and spilling of large values: dynamodb-items.ts).
 *
 * Rules it keeps:
 * - Every conditional write is one single-item request whose condition is named:
 *   put-if-absent is `attribute_not_exists(#pk)`, compare-and-set and versioned delete are
 *   `#v = :expected`. ConditionalCheckFailedException is answered with `false`, never thrown.
 * - Reads are strongly consistent (GetItem, BatchGetItem, Query, Scan), so a caller's
 *   read-then-compare-and-set sees the latest version.
 * - Batches respect DynamoDB's limits (100 keys per BatchGetItem, 25 items per BatchWriteItem) and
 *   resend what DynamoDB leaves unprocessed, with exponential backoff and jitter, until done or
 *   out of rounds (then UnavailableError). Throttled requests are retried by the client
 *   (clients.ts: adaptive retries).
 * - Input is checked before anything is written: a bad key or an oversized value without a spill
 *   store fails the whole call with InvalidArgumentError and stores nothing.
 */

import { randomBytes } from 'node:crypto';
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  DeleteItemCommand,
  type DeleteItemCommandInput,
  type DynamoDBClient,
  GetItemCommand,
  type KeysAndAttributes,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { isStrataError, UnavailableError } from '../../versioning/errors.ts';
import type { KvItem, KvStore, ListOptions, ObjectStore, Page } from '../../versioning/ports.ts';
import { assertKeyPrefix, pageLimit } from '../storage-rules.ts';
import { awsErrorFacts } from './aws-errors.ts';
import { type DynamoDbCall, type DynamoDbTarget, dynamoDbFailure, resolveTarget } from './dynamodb-errors.ts';
import {
  assertKvKey,
  type DynamoItem,
  decodeItem,
  encodeItem,
  itemKey,
  readItem,
  type StoredItem,
} from './dynamodb-items.ts';
import { mergedQuery, type ScanReads, scanTable } from './dynamodb-scan.ts';
import { assertTableName, kvAttributes, kvTableSchema, partitionsOfPrefix } from './dynamodb-table.ts';

export { createKvTableCommandLine, createKvTableInput, kvTableSchema } from './dynamodb-table.ts';
export { ensureKvTable } from './dynamodb-table-setup.ts';

/** DynamoDB's limits per batch request. */
const GET_BATCH = 100;
const WRITE_BATCH = 25;
/** Batch requests in flight at once per getMany / putMany. */
const BATCH_CONCURRENCY = 8;
/** Rounds of resending unprocessed batch items before giving up, and their backoff. */
const BATCH_ROUNDS = 10;
const BACKOFF_BASE_MS = 50;
const BACKOFF_CAP_MS = 3_000;

export interface DynamoDbKvStoreProps {
  /** The client; `createDynamoDbClient` (clients.ts) sets timeouts and adaptive retries. */
  readonly client: DynamoDBClient;
  /** The table, with the schema of `createKvTableInput` (create it with `ensureKvTable`). */
  readonly table: string;
  /**
   * Where values too big for an item (400 KB) go, under `kv-spill/`.
   * @default - none: such values are refused with InvalidArgumentError
   */
  readonly spill?: ObjectStore;
}

const { partitionKey } = kvTableSchema;

export class DynamoDbKvStore implements KvStore {
  readonly table: string;
  readonly #client: DynamoDBClient;
  readonly #spill: ObjectStore | undefined;
  #target: Promise<DynamoDbTarget> | undefined;

  constructor(props: DynamoDbKvStoreProps) {
    assertTableName(props.table, 'DynamoDbKvStoreProps.table');
    this.table = props.table;
    this.#client = props.client;
    this.#spill = props.spill;
  }

  async get(key: string): Promise<KvItem | undefined> {
    assertKvKey(key);
    const output = await this.#call({ operation: 'GetItem', doing: `read ${key}` }, () =>
      this.#client.send(
        new GetItemCommand({ TableName: this.table, Key: itemKey(key), ConsistentRead: true }),
      ),
    );
    return output.Item === undefined ? undefined : this.#read(decodeItem(output.Item, this.table));
  }

  async getMany(keys: readonly string[]): Promise<(KvItem | undefined)[]> {
    for (const key of keys) assertKvKey(key);
    // BatchGetItem refuses a key twice in one request.
    const unique = [...new Set(keys)];
    const found = new Map<string, KvItem>();
    const batches = chunk(unique, GET_BATCH).map((batch) => async () => {
      for (const stored of await this.#batchGet(batch)) found.set(stored.key, await this.#read(stored));
    });
    await inParallel(batches, BATCH_CONCURRENCY);
    return keys.map((key) => found.get(key));
  }

  async putIfAbsent(key: string, value: string): Promise<boolean> {
    assertKvKey(key);
    const writer = writerTag();
    const item = await encodeItem(key, value, 1, this.#spill, writer);
    return this.#conditional(
      { operation: 'PutItem', doing: `create ${key}` },
      { key, writer, version: 1 },
      () =>
        this.#client.send(
          new PutItemCommand({
            TableName: this.table,
            Item: item,
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': partitionKey.name },
          }),
        ),
    );
  }

  async putMany(items: readonly { key: string; value: string }[]): Promise<void> {
    for (const { key } of items) assertKvKey(key);
    // The last value of a key wins, as if written one by one; a batch must not name a key twice.
    const latest = new Map(items.map(({ key, value }) => [key, value]));
    const encoded: DynamoItem[] = [];
    const encoding = chunk([...latest], WRITE_BATCH).map((batch) => async () => {
      for (const [key, value] of batch) encoded.push(await encodeItem(key, value, 1, this.#spill));
    });
    await inParallel(encoding, BATCH_CONCURRENCY);
    const writes = chunk(encoded, WRITE_BATCH).map((batch) => () => this.#batchWrite(batch));
    await inParallel(writes, BATCH_CONCURRENCY);
  }

  async compareAndSet(key: string, expectedVersion: number, value: string): Promise<boolean> {
    assertKvKey(key);
    if (!Number.isSafeInteger(expectedVersion)) return false;
    const writer = writerTag();
    const item = await encodeItem(key, value, expectedVersion + 1, this.#spill, writer);
    const mine = { key, writer, version: expectedVersion + 1 };
    return this.#conditional({ operation: 'PutItem', doing: `update ${key}` }, mine, () =>
      this.#client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: item,
          ConditionExpression: '#v = :expected',
          ExpressionAttributeNames: { '#v': kvAttributes.version },
          ExpressionAttributeValues: { ':expected': { N: String(expectedVersion) } },
        }),
      ),
    );
  }

  async delete(key: string, expectedVersion?: number): Promise<boolean> {
    assertKvKey(key);
    if (expectedVersion !== undefined && !Number.isSafeInteger(expectedVersion)) return false;
    const condition: Pick<
      DeleteItemCommandInput,
      'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
    > =
      expectedVersion === undefined
        ? {
            ConditionExpression: 'attribute_exists(#pk)',
            ExpressionAttributeNames: { '#pk': partitionKey.name },
          }
        : {
            ConditionExpression: '#v = :expected',
            ExpressionAttributeNames: { '#v': kvAttributes.version },
            ExpressionAttributeValues: { ':expected': { N: String(expectedVersion) } },
          };
    // A delete leaves nothing to recognise it by: if the SDK retried one that had already removed
    // the item, the retry answers false. The domain deletes only records it can afford to see
    // gone either way (staged deltas of a lost race, drained event-log entries).
    return this.#conditional({ operation: 'DeleteItem', doing: `delete ${key}` }, undefined, () =>
      this.#client.send(new DeleteItemCommand({ TableName: this.table, Key: itemKey(key), ...condition })),
    );
  }

  async scan(prefix: string, options: ListOptions = {}): Promise<Page<KvItem>> {
    assertKeyPrefix(prefix);
    const limit = pageLimit(options.limit);
    const { after } = options;
    // An `after` past every key under the prefix leaves nothing; one before the prefix, everything.
    if (after !== undefined && after >= prefix && !after.startsWith(prefix)) return { items: [] };
    const start = after !== undefined && after >= prefix ? after : undefined;
    // One more item than asked tells whether a next page exists.
    const want = limit + 1;
    const plan = partitionsOfPrefix(prefix);
    const doing = `scan ${JSON.stringify(prefix)}`;
    const reads: ScanReads = {
      table: this.table,
      query: (input) =>
        this.#call({ operation: 'Query', doing }, () => this.#client.send(new QueryCommand(input))),
      scan: (input) =>
        this.#call({ operation: 'Scan', doing }, () => this.#client.send(new ScanCommand(input))),
    };
    const found =
      plan.kind === 'any'
        ? await scanTable(reads, prefix, start, want)
        : await mergedQuery(
            reads,
            plan.kind === 'one' ? [plan.partition] : plan.partitions,
            prefix,
            start,
            want,
          );
    const page = found.slice(0, limit);
    const items: KvItem[] = new Array(page.length);
    // Spilled values are S3 GETs: a few at a time, not a page's worth at once.
    await inParallel(
      page.map((stored, i) => async () => {
        items[i] = await this.#read(stored);
      }),
      BATCH_CONCURRENCY,
    );
    const last = items.at(-1);
    return found.length > limit && last !== undefined ? { items, next: last.key } : { items };
  }

  async #batchGet(keys: readonly string[]): Promise<StoredItem[]> {
    const found: StoredItem[] = [];
    let pending: KeysAndAttributes | undefined = { Keys: keys.map(itemKey), ConsistentRead: true };
    for (let round = 0; pending !== undefined; round++) {
      if (round === BATCH_ROUNDS)
        throw this.#unprocessed('BatchGetItem', pending.Keys?.length ?? 0, keys.length);
      if (round > 0) await backoff(round);
      const request: KeysAndAttributes = pending;
      const output = await this.#call({ operation: 'BatchGetItem', doing: `read ${keys.length} keys` }, () =>
        this.#client.send(new BatchGetItemCommand({ RequestItems: { [this.table]: request } })),
      );
      for (const item of output.Responses?.[this.table] ?? []) found.push(decodeItem(item, this.table));
      const left = output.UnprocessedKeys?.[this.table];
      pending = left?.Keys !== undefined && left.Keys.length > 0 ? left : undefined;
    }
    return found;
  }

  async #batchWrite(items: readonly DynamoItem[]): Promise<void> {
    let pending: WriteRequest[] = items.map((Item) => ({ PutRequest: { Item } }));
    for (let round = 0; pending.length > 0; round++) {
      if (round === BATCH_ROUNDS) throw this.#unprocessed('BatchWriteItem', pending.length, items.length);
      if (round > 0) await backoff(round);
      const request = pending;
      const output = await this.#call(
        { operation: 'BatchWriteItem', doing: `write ${items.length} keys` },
        () => this.#client.send(new BatchWriteItemCommand({ RequestItems: { [this.table]: request } })),
      );
      pending = output.UnprocessedItems?.[this.table] ?? [];
    }
  }

  #unprocessed(operation: string, left: number, total: number): UnavailableError {
    return new UnavailableError(
      `DynamoDB left ${left} of ${total} items unprocessed by dynamodb:${operation} on table ${this.table} ` +
        `after ${BATCH_ROUNDS} rounds of backoff (the table is throttled); retry later, or raise its capacity`,
    );
  }

  #read(stored: StoredItem): Promise<KvItem> {
    return readItem(stored, this.#spill, this.table);
  }

  /** Runs one SDK call, translating its failure into a domain error. */
  async #call<T>(call: DynamoDbCall, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw await this.#failure(error, call);
    }
  }

  /**
   * Runs one conditional write: true when it was applied, false when its condition failed.
   *
   * The SDK retries a write whose answer was lost (a timeout, a reset, a 500) even when the first
   * attempt was applied; the retry then fails its own condition. So each put carries a random
   * writer tag, and a failed condition after more than one attempt reads the item back
   * (consistently): if it holds this call's tag and version, this call won.
   */
  async #conditional(
    call: DynamoDbCall,
    mine: { key: string; writer: string; version: number } | undefined,
    send: () => Promise<unknown>,
  ): Promise<boolean> {
    try {
      await send();
      return true;
    } catch (error) {
      if (!(error instanceof Error && error.name === 'ConditionalCheckFailedException')) {
        throw await this.#failure(error, call);
      }
      if (mine === undefined || awsErrorFacts(error).attempts < 2) return false;
      const stored = await this.#call({ operation: 'GetItem', doing: `read ${mine.key}` }, () =>
        this.#client.send(
          new GetItemCommand({ TableName: this.table, Key: itemKey(mine.key), ConsistentRead: true }),
        ),
      );
      const item = stored.Item;
      return (
        item?.[kvAttributes.writer]?.S === mine.writer &&
        item[kvAttributes.version]?.N === String(mine.version)
      );
    }
  }

  async #failure(error: unknown, call: DynamoDbCall): Promise<Error> {
    if (isStrataError(error)) return error;
    const inTable = { ...call, doing: `${call.doing} in table ${this.table}` };
    return dynamoDbFailure(error, inTable, await this.#resolveTarget());
  }

  #resolveTarget(): Promise<DynamoDbTarget> {
    this.#target ??= resolveTarget(this.#client, this.table);
    return this.#target;
  }
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

/** Runs the tasks, at most `limit` at a time; rejects with the first failure. */
async function inParallel(tasks: readonly (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  let failed = false;
  // After a failure no task starts: the call fails anyway, and later writes would only add load.
  const worker = async (): Promise<void> => {
    while (next < tasks.length && !failed) {
      try {
        await tasks[next++]!();
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}

/** Full-jitter exponential backoff before resending unprocessed batch items. */
function backoff(round: number): Promise<void> {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** round);
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}

/** A tag no other write carries: 16 random bytes. */
function writerTag(): string {
  return randomBytes(16).toString('base64url');
}
