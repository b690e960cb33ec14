/**
 * The ObjectStore contract, run on S3ObjectStore against s3rver behind the emulator's proxy
 * (test/harness/aws/s3-emulator.ts): one emulator for the file, a fresh key prefix per test.
 */
import { randomUUID } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll } from 'vitest';
import { S3ObjectStore } from '../../adapters/aws/s3-object-store.ts';
import { createBucket, type S3Emulator, s3ClientFor, startS3Emulator } from '../harness/aws/s3-emulator.ts';
import { describeObjectStoreContract } from './object-store.contract.ts';

const BUCKET = 'strata-contract';

let emulator: S3Emulator | undefined;
let client: S3Client | undefined;

beforeAll(async () => {
  emulator = await startS3Emulator();
  client = s3ClientFor(emulator.endpoint);
  await createBucket(client, BUCKET);
});

afterAll(async () => {
  client?.destroy();
  await emulator?.stop();
});

describeObjectStoreContract('S3 (s3rver)', async () => {
  if (client === undefined) throw new Error('the S3 emulator did not start');
  const store = new S3ObjectStore({ client, bucket: BUCKET, prefix: `contract/${randomUUID()}/` });
  return { store, cleanup: async () => {} };
});
