/**
 * Reading a prefix of the KV table in key order (DynamoDbKvStore.scan). A prefix that names one
 * partition, or one family's 16 partitions, is read by Query per partition, in pages, and the
 * pages merged by key; a prefix without '/' (no family) falls back to a Scan of the whole table,
 * filtered and sorted here — only tools and tests ask for such prefixes.
 */
import type {
  QueryCommandInput,
  QueryCommandOutput,
  ScanCommandInput,
  ScanCommandOutput,
} from '@aws-sdk/client-dynamodb';
import { type DynamoItem, decodeItem, itemKey, type StoredItem } from './dynamodb-items.ts';
import { kvTableSchema } from './dynamodb-table.ts';

/** The two reads a scan makes; the store sends them and translates their failures. */
export interface ScanReads {
  readonly table: string;
  query(input: QueryCommandInput): Promise<QueryCommandOutput>;
  scan(input: ScanCommandInput): Promise<ScanCommandOutput>;
}

const { partitionKey, sortKey } = kvTableSchema;
const names = { '#pk': partitionKey.name, '#sk': sortKey.name };

interface PartitionCursor {
  readonly partition: string;
  buffer: StoredItem[];
  position: number;
  resumeAfter: DynamoItem | undefined;
  done: boolean;
}

/**
 * The first `want` items under `prefix` after `start`, in key order, from the given partitions:
 * each is read by Query in pages, and the pages merged.
 */
export async function mergedQuery(
  reads: ScanReads,
  partitions: readonly string[],
  prefix: string,
  start: string | undefined,
  want: number,
): Promise<StoredItem[]> {
  const pageSize = partitions.length === 1 ? want : Math.ceil(want / partitions.length) + 1;
  const cursors: PartitionCursor[] = partitions.map((partition) => ({
    partition,
    buffer: [],
    position: 0,
    resumeAfter:
      start === undefined ? undefined : { ...itemKey(start), [partitionKey.name]: { S: partition } },
    done: false,
  }));
  const merged: StoredItem[] = [];
  while (merged.length < want) {
    const empty = cursors.filter((c) => c.position === c.buffer.length && !c.done);
    await Promise.all(empty.map((cursor) => fill(reads, cursor, prefix, pageSize)));
    let next: PartitionCursor | undefined;
    for (const cursor of cursors) {
      const head = cursor.buffer[cursor.position];
      if (head !== undefined && (next === undefined || head.key < next.buffer[next.position]!.key))
        next = cursor;
    }
    if (next === undefined) break;
    merged.push(next.buffer[next.position++]!);
  }
  return merged;
}

/** Reads the cursor's next non-empty page, or marks it done. */
async function fill(
  reads: ScanReads,
  cursor: PartitionCursor,
  prefix: string,
  pageSize: number,
): Promise<void> {
  cursor.buffer = [];
  cursor.position = 0;
  while (cursor.buffer.length === 0 && !cursor.done) {
    const output = await reads.query({
      TableName: reads.table,
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: { ':pk': { S: cursor.partition }, ':prefix': { S: prefix } },
      ConsistentRead: true,
      Limit: pageSize,
      ...(cursor.resumeAfter !== undefined ? { ExclusiveStartKey: cursor.resumeAfter } : {}),
    });
    cursor.buffer = (output.Items ?? []).map((item) => decodeItem(item, reads.table));
    cursor.resumeAfter = output.LastEvaluatedKey;
    cursor.done = output.LastEvaluatedKey === undefined;
  }
}

/** The first `want` items under `prefix` after `start`, from a Scan of the whole table. */
export async function scanTable(
  reads: ScanReads,
  prefix: string,
  start: string | undefined,
  want: number,
): Promise<StoredItem[]> {
  const conditions = [
    ...(prefix !== '' ? ['begins_with(#sk, :prefix)'] : []),
    ...(start !== undefined ? ['#sk > :start'] : []),
  ];
  const values = {
    ...(prefix !== '' ? { ':prefix': { S: prefix } } : {}),
    ...(start !== undefined ? { ':start': { S: start } } : {}),
  };
  const found: StoredItem[] = [];
  let resumeAfter: DynamoItem | undefined;
  do {
    const output = await reads.scan({
      TableName: reads.table,
      ConsistentRead: true,
      ...(conditions.length > 0
        ? {
            FilterExpression: conditions.join(' AND '),
            ExpressionAttributeNames: { '#sk': sortKey.name },
            ExpressionAttributeValues: values,
          }
        : {}),
      ...(resumeAfter !== undefined ? { ExclusiveStartKey: resumeAfter } : {}),
    });
    for (const item of output.Items ?? []) found.push(decodeItem(item, reads.table));
    resumeAfter = output.LastEvaluatedKey;
  } while (resumeAfter !== undefined);
  return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).slice(0, want);
}
