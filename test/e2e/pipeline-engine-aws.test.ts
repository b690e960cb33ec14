/**
 * The pipelines end-to-end suite (pipeline-engine.suite.ts), unchanged, on the AWS adapters:
 * S3ObjectStore and DynamoDbKvStore on the local emulators, a fresh bucket and table per case.
 */
import { afterAll } from 'vitest';
import { type AwsEmulators, startAwsEmulators } from '../harness/aws/emulators.ts';
import { describePipelineEngine } from './pipeline-engine.suite.ts';

let emulators: Promise<AwsEmulators> | undefined;

afterAll(async () => {
  await (await emulators)?.stop();
});

describePipelineEngine('S3 + DynamoDB adapters on the emulators', async () => {
  emulators ??= startAwsEmulators();
  return (await emulators).freshBackend();
});
