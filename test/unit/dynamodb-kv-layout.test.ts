/**
 * The table layout of DynamoDbKvStore (adapters/aws/dynamodb-table.ts): which partition holds a
 * key, and which requests a scan costs. The contract suite proves scans correct; these cases pin
 * that the domain's scans stay cheap (one Query for `commit/<repo>/`, 16 for `repo/`, never a
 * table Scan) and that hot families are spread over partitions.
 */
import { createHash } from 'node:crypto';
import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbKvStore, ensureKvTable } from '../../adapters/aws/dynamodb-kv-store.ts';
import {
  createKvTableCommandLine,
  createKvTableInput,
  FAMILY_PARTITIONS,
  partitionOf,
  partitionsOfPrefix,
} from '../../adapters/aws/dynamodb-table.ts';
import { allPages } from '../../versioning/ports.ts';
import {
  dynamoDbClientFor,
  type RunningDynamoDb,
  startDynamoDbEmulator,
} from '../harness/aws/dynamodb-emulator.ts';

describe('partitionOf', () => {
  it('keeps every record of one repo in one partition per family', () => {
    const partitions = new Set(
      ['commit/images/c1', 'commit/images/c2', 'commit/images/c3/x'].map((key) => partitionOf(key)),
    );

    expect(partitions.size).toBe(1);
    expect(partitionOf('commit/images/c1')).toMatch(/^commit\/#[0-9a-f]$/);
    expect(partitionsOfPrefix('commit/images/')).toEqual({
      kind: 'one',
      partition: partitionOf('commit/images/c1'),
    });
  });

  it('spreads the chunk index over all 16 partitions of its family', () => {
    const keys = Array.from(
      { length: 512 },
      (_, i) => `chunk/${createHash('sha256').update(String(i)).digest('hex')}`,
    );

    const partitions = new Set(keys.map((key) => partitionOf(key)));

    expect(partitions.size).toBe(FAMILY_PARTITIONS);
  });

  it('gives a key without "/" a partition of its own', () => {
    expect(partitionOf('counter')).toBe('counter');
  });
});

describe('partitionsOfPrefix', () => {
  it.each([
    ['commit/images/', 'one'],
    ['commitset/s1/images/', 'one'],
    ['commit/images/c', 'one'],
    ['repo/', 'family'],
    ['a/b', 'family'],
    ['a/', 'family'],
    ['', 'any'],
    ['x~', 'any'],
  ])('reads %j from %s partition(s)', (prefix, kind) => {
    expect(partitionsOfPrefix(prefix).kind).toBe(kind);
  });
});

describe('createKvTableInput', () => {
  it('declares pk (HASH) and sk (RANGE) as strings, billed per request', () => {
    expect(createKvTableInput('strata-kv')).toEqual({
      TableName: 'strata-kv',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    });
  });

  it('rejects a name DynamoDB would refuse, naming it', () => {
    expect(() => createKvTableInput('kv')).toThrow('invalid table "kv"');
  });

  it('matches the create-table command line', () => {
    expect(createKvTableCommandLine('strata-kv', { region: 'eu-west-1' })).toBe(
      'aws dynamodb create-table --table-name strata-kv ' +
        '--attribute-definitions AttributeName=pk,AttributeType=S AttributeName=sk,AttributeType=S ' +
        '--key-schema AttributeName=pk,KeyType=HASH AttributeName=sk,KeyType=RANGE ' +
        '--billing-mode PAY_PER_REQUEST --region eu-west-1',
    );
  });
});

describe('DynamoDbKvStore requests per scan', () => {
  let emulator: RunningDynamoDb;
  let client: DynamoDBClient;
  let store: DynamoDbKvStore;
  let table: string;
  let tables = 0;
  const sent: string[] = [];

  beforeAll(async () => {
    emulator = await startDynamoDbEmulator({ prefer: 'dynalite' });
    client = dynamoDbClientFor(emulator.endpoint);
    client.middlewareStack.add(
      (next, context) => (args) => {
        sent.push(context.commandName ?? 'unknown');
        return next(args);
      },
      { step: 'initialize', name: 'countCommands' },
    );
  });

  afterAll(async () => {
    client.destroy();
    await emulator.stop();
  });

  beforeEach(async () => {
    tables += 1;
    table = `strata-layout-${tables}`;
    await ensureKvTable(client, table);
    store = new DynamoDbKvStore({ client, table });
  });

  afterEach(async () => {
    await client.send(new DeleteTableCommand({ TableName: table }));
  });

  async function requestsOf(work: () => Promise<unknown>): Promise<string[]> {
    sent.length = 0;
    await work();
    return [...sent];
  }

  it('scans one repo’s commits with a single Query', async () => {
    await store.putMany(
      ['commit/images/c1', 'commit/images/c2', 'commit/other/c3'].map((key) => ({ key, value: key })),
    );

    let keys: string[] = [];
    const requests = await requestsOf(async () => {
      keys = (await store.scan('commit/images/')).items.map((item) => item.key);
    });

    expect(keys).toEqual(['commit/images/c1', 'commit/images/c2']);
    expect(requests).toEqual(['QueryCommand']);
  });

  it('scans a family with one Query per partition, merged in byte order, and no Scan', async () => {
    const repos = Array.from({ length: 40 }, (_, i) => `repo/r${String(i).padStart(2, '0')}`);
    await store.putMany([...repos].reverse().map((key) => ({ key, value: key })));

    const keys: string[] = [];
    const requests = await requestsOf(async () => {
      for await (const item of allPages((after) => store.scan('repo/', { after, limit: 7 })))
        keys.push(item.key);
    });

    expect(keys).toEqual(repos);
    expect(requests).not.toContain('ScanCommand');
    expect(requests.filter((name) => name === 'QueryCommand').length).toBeGreaterThanOrEqual(
      FAMILY_PARTITIONS,
    );
  });

  it('matches a partial second segment across partitions', async () => {
    await store.putMany(['a/a', 'a/b', 'a/b/1', 'a/bc', 'a/c', 'b/b'].map((key) => ({ key, value: key })));

    const page = await store.scan('a/b');

    expect(page.items.map((item) => item.key)).toEqual(['a/b', 'a/b/1', 'a/bc']);
  });

  it('falls back to a table Scan only for a prefix without "/"', async () => {
    await store.putMany(['a', 'a/1', 'ab/2', 'b'].map((key) => ({ key, value: key })));

    let keys: string[] = [];
    const requests = await requestsOf(async () => {
      keys = (await store.scan('a')).items.map((item) => item.key);
    });

    expect(keys).toEqual(['a', 'a/1', 'ab/2']);
    expect(requests).toEqual(['ScanCommand']);
  });
});
