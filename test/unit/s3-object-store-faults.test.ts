/**
 * What S3ObjectStore does when S3 misbehaves or is out of reach, beyond the ObjectStore contract
 * (test/contract/aws-s3.test.ts): the emulator's proxy injects the failures.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { access, open, readdir } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { S3ObjectStore, type S3ObjectStoreProps } from '../../adapters/aws/s3-object-store.ts';
import {
  CorruptDataError,
  InvalidArgumentError,
  NotFoundError,
  UnavailableError,
} from '../../versioning/errors.ts';
import { createBucket, type S3Emulator, s3ClientFor, startS3Emulator } from '../harness/aws/s3-emulator.ts';

const BUCKET = 'strata-faults';
const MiB = 1024 * 1024;

let emulator: S3Emulator;
const clients: S3Client[] = [];

beforeAll(async () => {
  emulator = await startS3Emulator();
  await createBucket(client(), BUCKET);
});

afterEach(() => {
  for (const each of clients.splice(0)) each.destroy();
});

afterAll(async () => {
  await emulator?.stop();
});

/** A fresh client per test, so one test's throttling does not slow the next (adaptive retries). */
function client(options: { maxAttempts?: number } = {}): S3Client {
  const created = s3ClientFor(emulator.endpoint, options);
  clients.push(created);
  return created;
}

function freshStore(props: Partial<S3ObjectStoreProps> = {}): S3ObjectStore {
  return new S3ObjectStore({ client: client(), bucket: BUCKET, prefix: `faults/${randomUUID()}/`, ...props });
}

describe('S3ObjectStore when S3 cannot be reached or refuses', () => {
  it('fails with UnavailableError naming the endpoint when nothing listens there', {
    timeout: 30_000,
  }, async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const unreachable = s3ClientFor(endpoint, { maxAttempts: 2 });
    clients.push(unreachable);
    const store = new S3ObjectStore({ client: unreachable, bucket: BUCKET });

    const attempt = store.get('nodes/ab/anything');

    await expect(attempt).rejects.toThrow(UnavailableError);
    await expect(attempt).rejects.toThrow(`S3 at ${endpoint} could not be reached`);
  });

  it('names the bucket and how to create it when the bucket does not exist', async () => {
    const store = new S3ObjectStore({ client: client(), bucket: 'strata-no-such-bucket' });
    const attempts = [
      () => store.putIfAbsent('nodes/ab/x', new Uint8Array([1])),
      () => store.get('nodes/ab/x'),
      () => store.get('nodes/ab/x', { offset: 0, length: 1 }),
      () => store.head('nodes/ab/x'),
      () => store.list('nodes/'),
      () => store.delete('nodes/ab/x'),
    ];

    for (const attempt of attempts) {
      const failure = attempt();
      await expect(failure).rejects.toThrow(NotFoundError);
      await expect(failure).rejects.toThrow('S3 bucket strata-no-such-bucket does not exist');
      await expect(failure).rejects.toThrow(/aws s3 mb s3:\/\/strata-no-such-bucket.*CDK stack/);
    }
  });

  it('names the S3 action and the resource ARN when access is denied', async () => {
    const store = freshStore();
    const denied = { status: 403, code: 'AccessDenied', message: 'Access Denied' };
    emulator.inject({ operation: 'PutObject', error: denied });
    emulator.inject({ operation: 'HeadObject', error: denied });
    emulator.inject({ operation: 'ListObjectsV2', error: denied });

    const [put, head, list] = await Promise.allSettled([
      store.putIfAbsent('nodes/ab/secret', new Uint8Array([1])),
      store.head('nodes/ab/secret'),
      store.list('nodes/'),
    ]);

    const object = `arn:aws:s3:::${BUCKET}/${store.prefix}nodes/ab/secret`;
    expect(reasonOf(put)).toBeInstanceOf(UnavailableError);
    expect(messageOf(put)).toContain(`S3 denied s3:PutObject on ${object}`);
    expect(messageOf(head)).toContain(`S3 denied s3:GetObject on ${object}`);
    expect(messageOf(list)).toContain(`S3 denied s3:ListBucket on arn:aws:s3:::${BUCKET} `);
  });
  it.each([
    ['InvalidAccessKeyId', "did not accept this identity's credentials"],
    ['SignatureDoesNotMatch', "did not accept this identity's credentials"],
    ['RequestTimeTooSkewed', "this machine's clock is off"],
  ])('tells a 403 %s (credentials, clock) apart from a refused action', async (code, message) => {
    const store = freshStore();
    emulator.inject({ operation: 'GetObject', error: { status: 403, code } });

    const read = store.get('nodes/ab/anything');

    await expect(read).rejects.toThrow(UnavailableError);
    await expect(read).rejects.toThrow(message);
    await expect(read).rejects.not.toThrow('denied');
  });
});

describe('S3ObjectStore under throttling and write conflicts', () => {
  it('completes a burst of puts while S3 answers the first of them with 503 SlowDown', async () => {
    const store = freshStore();
    emulator.inject({ operation: 'PutObject', times: 12, error: { status: 503, code: 'SlowDown' } });
    const keys = Array.from({ length: 24 }, (_, i) => `nodes/${i.toString(16).padStart(2, '0')}/burst`);
    const putsBefore = emulator.requestCount('PutObject');

    const written = await Promise.all(
      keys.map((key) => store.putIfAbsent(key, new TextEncoder().encode(key))),
    );

    expect(written.every((won) => won)).toBe(true);
    expect(emulator.requestCount('PutObject') - putsBefore).toBe(keys.length + 12);
    for (const key of keys) expect(new TextDecoder().decode(await store.get(key))).toBe(key);
  });

  it('reports throttling that outlasts the retries as UnavailableError saying so', async () => {
    const store = new S3ObjectStore({
      client: client({ maxAttempts: 2 }),
      bucket: BUCKET,
      prefix: 'throttled/',
    });
    emulator.inject({ operation: 'PutObject', times: 2, error: { status: 503, code: 'SlowDown' } });

    const attempt = store.putIfAbsent('nodes/ab/slow', new Uint8Array([1]));

    await expect(attempt).rejects.toThrow(UnavailableError);
    await expect(attempt).rejects.toThrow(
      `S3 kept throttling s3:PutObject on arn:aws:s3:::${BUCKET}/throttled/nodes/ab/slow after 2 attempts (SlowDown, HTTP 503`,
    );
  });

  it('sends a put again when S3 answers 409 ConditionalRequestConflict, then stores it once', async () => {
    const store = freshStore();
    emulator.inject({
      operation: 'PutObject',
      times: 2,
      error: { status: 409, code: 'ConditionalRequestConflict' },
    });

    const written = await store.putIfAbsent('nodes/ab/raced', new Uint8Array([7]));

    expect(written).toBe(true);
    expect(await store.get('nodes/ab/raced')).toEqual(new Uint8Array([7]));
    expect(await store.putIfAbsent('nodes/ab/raced', new Uint8Array([8]))).toBe(false);
  });
});

describe('S3ObjectStore when a body is damaged on the way to S3', () => {
  it.each([
    ['a single-part put', 'PutObject', 64 * 1024],
    ['a part of a multipart put', 'UploadPart', 20 * MiB],
  ] as const)(
    'sends %s again after 400 BadDigest and stores the intact bytes',
    async (_, operation, size) => {
      const store = freshStore();
      const bytes = randomBytes(size);
      emulator.inject({ operation, damageRequestBody: true });

      const written = await store.putIfAbsent('packs/ab/resent', bytes);

      expect(written).toBe(true);
      expect(Buffer.from(await store.get('packs/ab/resent')).equals(bytes)).toBe(true);
    },
  );
});

describe('S3ObjectStore multipart uploads', () => {
  it('round-trips a 40 MiB object in parts, and a second put of it returns false', async () => {
    const store = freshStore();
    const bytes = randomBytes(40 * MiB);
    const partsBefore = emulator.requestCount('UploadPart');

    const first = await store.putIfAbsent('packs/ab/large', bytes);
    const partsSent = emulator.requestCount('UploadPart') - partsBefore;
    const second = await store.putIfAbsent('packs/ab/large', randomBytes(40 * MiB));

    expect(first).toBe(true);
    expect(partsSent).toBe(5); // 8 MiB parts
    expect(second).toBe(false);
    expect(emulator.requestCount('UploadPart') - partsBefore).toBe(partsSent);
    expect(Buffer.from(await store.get('packs/ab/large')).equals(bytes)).toBe(true);
  });

  it('returns false when CompleteMultipartUpload finds the key taken, and aborts the upload', async () => {
    const store = freshStore({ multipartThreshold: 5 * MiB, partSize: 5 * MiB });
    const original = randomBytes(12 * MiB);
    await store.putIfAbsent('packs/ab/taken', original);
    // The existence check before uploading sees nothing, as when a concurrent writer is slower.
    emulator.inject({ operation: 'HeadObject', error: { status: 404, code: 'NotFound' } });
    const abortsBefore = emulator.requestCount('AbortMultipartUpload');

    const written = await store.putIfAbsent('packs/ab/taken', randomBytes(12 * MiB));

    expect(written).toBe(false);
    expect(emulator.requestCount('AbortMultipartUpload') - abortsBefore).toBe(1);
    expect(await readdir(join(emulator.dataDir, BUCKET, '._S3rver_uploads'))).toEqual([]);
    expect(Buffer.from(await store.get('packs/ab/taken')).equals(original)).toBe(true);
  });
});

describe('S3ObjectStore checksums', () => {
  it.each([
    ['a single-part object', 64 * 1024],
    ['a multipart object', 20 * MiB],
  ])('refuses %s whose stored bytes were damaged, with CorruptDataError', async (_, size) => {
    const store = freshStore();
    await store.putIfAbsent('packs/ab/damaged', randomBytes(size));
    await flipByte(
      emulator.storedObjectPath(BUCKET, `${store.prefix}packs/ab/damaged`),
      Math.floor(size / 2),
    );

    const attempt = store.get('packs/ab/damaged');

    await expect(attempt).rejects.toThrow(CorruptDataError);
    await expect(attempt).rejects.toThrow(
      /object packs\/ab\/damaged .* does not match the SHA-256 it was written with/,
    );
  });

  it("turns a body that fails the SDK's response checksum check into CorruptDataError", async () => {
    const store = freshStore();
    const bytes = randomBytes(4096);
    await store.putIfAbsent('nodes/ab/checked', bytes);
    const rightChecksum = createHash('sha256').update(bytes).digest('base64');
    const wrongChecksum = createHash('sha256').update('other bytes').digest('base64');

    emulator.inject({ operation: 'GetObject', responseHeaders: { 'x-amz-checksum-sha256': rightChecksum } });
    const read = await store.get('nodes/ab/checked');
    emulator.inject({ operation: 'GetObject', responseHeaders: { 'x-amz-checksum-sha256': wrongChecksum } });
    const attempt = store.get('nodes/ab/checked');

    expect(Buffer.from(read).equals(bytes)).toBe(true);
    await expect(attempt).rejects.toThrow(CorruptDataError);
    await expect(attempt).rejects.toThrow(/did not match its SHA-256 checksum when read/);
  });
});

describe('S3ObjectStore props and keys', () => {
  it.each([
    ['bucket', { bucket: 'Not_A_Bucket' }],
    ['prefix', { prefix: 'with space/' }],
    ['partSize', { partSize: 1 * MiB }],
    ['multipartThreshold', { multipartThreshold: 6 * MiB, partSize: 8 * MiB }],
    ['queueSize', { queueSize: 0 }],
  ])('rejects an invalid %s with InvalidArgumentError naming the prop', (prop, props) => {
    expect(() => new S3ObjectStore({ client: client(), bucket: BUCKET, ...props })).toThrow(
      InvalidArgumentError,
    );
    expect(() => new S3ObjectStore({ client: client(), bucket: BUCKET, ...props })).toThrow(
      `S3ObjectStoreProps.${prop}`,
    );
  });

  it('rejects a key that makes the S3 key longer than 1,024 bytes, naming the key', async () => {
    const store = new S3ObjectStore({ client: client(), bucket: BUCKET, prefix: 'p'.repeat(1000) });
    const key = `nodes/ab/${'c'.repeat(20)}`;

    const attempt = store.putIfAbsent(key, new Uint8Array([1]));

    await expect(attempt).rejects.toThrow(InvalidArgumentError);
    await expect(attempt).rejects.toThrow(JSON.stringify(key));
  });
});

function reasonOf(outcome: PromiseSettledResult<unknown>): unknown {
  return outcome.status === 'rejected' ? outcome.reason : undefined;
}

function messageOf(outcome: PromiseSettledResult<unknown>): string {
  const reason = reasonOf(outcome);
  return reason instanceof Error ? reason.message : `no error: ${String(reason)}`;
}

describe('S3 emulator', () => {
  it('closes its port and removes its folder when stopped', async () => {
    const other = await startS3Emulator();
    const port = Number(new URL(other.endpoint).port);

    await other.stop();

    await expect(access(other.dataDir)).rejects.toThrow(/ENOENT/);
    await expect(connectTo(port)).rejects.toThrow(/ECONNREFUSED/);
  });
});

/** Resolves once a TCP connection to the port is made (and closes it). */
function connectTo(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.end();
      resolve();
    });
    socket.on('error', reject);
  });
}

/** A port nothing listens on: the system hands one out, and it is closed again at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP port was handed out');
  return address.port;
}

async function flipByte(path: string, offset: number): Promise<void> {
  const file = await open(path, 'r+');
  try {
    const byte = Buffer.alloc(1);
    await file.read(byte, 0, 1, offset);
    byte[0] = (byte[0] ?? 0) ^ 0xff;
    await file.write(byte, 0, 1, offset);
  } finally {
    await file.close();
  }
}
