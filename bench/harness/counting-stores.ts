/**
 * Store decorators that count the requests the domain makes, as S3 and DynamoDB would bill
 * them: every call is a request whatever its outcome, and a batched KV write of n items costs
 * ⌈n/25⌉ DynamoDB BatchWriteItem requests. They wrap any backend, so the same figures come from
 * a run on the memory stores and from one on the local backend.
 */
import type {
  ByteRange,
  KvItem,
  KvStore,
  ListOptions,
  ObjectInfo,
  ObjectStore,
  Page,
} from '../../versioning/ports.ts';

const DYNAMODB_BATCH_WRITE = 25;

export interface RequestCounts {
  objectPuts: number;
  objectBytesPut: number;
  objectGets: number;
  objectLists: number;
  /** putIfAbsent, putMany, compareAndSet and delete calls. */
  kvWriteCalls: number;
  /** Items written by those calls (a putIfAbsent or compareAndSet that lost writes none). */
  kvItemsWritten: number;
  /** What the KV writes would cost as DynamoDB requests. */
  kvDynamoWriteRequests: number;
  kvReadCalls: number;
}

export function emptyCounts(): RequestCounts {
  return {
    objectPuts: 0,
    objectBytesPut: 0,
    objectGets: 0,
    objectLists: 0,
    kvWriteCalls: 0,
    kvItemsWritten: 0,
    kvDynamoWriteRequests: 0,
    kvReadCalls: 0,
  };
}

export class CountingObjectStore implements ObjectStore {
  readonly #inner: ObjectStore;
  readonly #counts: RequestCounts;

  constructor(inner: ObjectStore, counts: RequestCounts) {
    this.#inner = inner;
    this.#counts = counts;
  }

  putIfAbsent(key: string, bytes: Uint8Array): Promise<boolean> {
    this.#counts.objectPuts++;
    this.#counts.objectBytesPut += bytes.byteLength;
    return this.#inner.putIfAbsent(key, bytes);
  }

  get(key: string, range?: ByteRange): Promise<Uint8Array> {
    this.#counts.objectGets++;
    return this.#inner.get(key, range);
  }

  head(key: string): Promise<{ size: number } | undefined> {
    this.#counts.objectGets++;
    return this.#inner.head(key);
  }

  list(prefix: string, options?: ListOptions): Promise<Page<ObjectInfo>> {
    this.#counts.objectLists++;
    return this.#inner.list(prefix, options);
  }

  delete(key: string): Promise<void> {
    return this.#inner.delete(key);
  }
}

export class CountingKvStore implements KvStore {
  readonly #inner: KvStore;
  readonly #counts: RequestCounts;

  constructor(inner: KvStore, counts: RequestCounts) {
    this.#inner = inner;
    this.#counts = counts;
  }

  get(key: string): Promise<KvItem | undefined> {
    this.#counts.kvReadCalls++;
    return this.#inner.get(key);
  }

  getMany(keys: readonly string[]): Promise<(KvItem | undefined)[]> {
    this.#counts.kvReadCalls++;
    return this.#inner.getMany(keys);
  }

  async putIfAbsent(key: string, value: string): Promise<boolean> {
    this.#write(1);
    const written = await this.#inner.putIfAbsent(key, value);
    if (written) this.#counts.kvItemsWritten++;
    return written;
  }

  async putMany(items: readonly { key: string; value: string }[]): Promise<void> {
    this.#counts.kvWriteCalls++;
    this.#counts.kvDynamoWriteRequests += Math.ceil(items.length / DYNAMODB_BATCH_WRITE);
    await this.#inner.putMany(items);
    this.#counts.kvItemsWritten += items.length;
  }

  async compareAndSet(key: string, expectedVersion: number, value: string): Promise<boolean> {
    this.#write(1);
    const written = await this.#inner.compareAndSet(key, expectedVersion, value);
    if (written) this.#counts.kvItemsWritten++;
    return written;
  }

  delete(key: string, expectedVersion?: number): Promise<boolean> {
    this.#write(1);
    return this.#inner.delete(key, expectedVersion);
  }

  scan(prefix: string, options?: ListOptions): Promise<Page<KvItem>> {
    this.#counts.kvReadCalls++;
    return this.#inner.scan(prefix, options);
  }

  #write(requests: number): void {
    this.#counts.kvWriteCalls++;
    this.#counts.kvDynamoWriteRequests += requests;
  }
}
