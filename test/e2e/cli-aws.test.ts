/**
 * The README's versioning walk-through, run by the real `strata` CLI on the AWS backend: a
 * context names a bucket and a table, the standard AWS SDK environment points the SDK at the
 * local emulators (as it would at LocalStack or AWS), `strata aws init` creates both, and every
 * command then works on S3 + DynamoDB. Also: what a user sees when the backend is missing or
 * unreachable.
 */
import { writeFile } from 'node:fs/promises';
import { GetBucketLifecycleConfigurationCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type AwsEmulators, startAwsEmulators } from '../harness/aws/emulators.ts';
import { FakeEventBridge } from '../harness/aws/fake-eventbridge.ts';
import { commitPage, fileList, StrataCli } from '../harness/cli.ts';

describe('strata on the AWS backend (emulators)', () => {
  let emulators: AwsEmulators;
  let cli: StrataCli;
  let env: Record<string, string>;

  beforeAll(async () => {
    emulators = await startAwsEmulators();
    cli = await StrataCli.create();
    env = { ...emulators.environment, STRATA_CONTEXT: 'emu' };
    await cli.ok(['create', 'context', 'emu', '--bucket', 'walk-through', '--table', 'strata-walk-through']);
  });

  afterAll(async () => {
    await cli?.dispose();
    await emulators?.stop();
  });

  it('creates the bucket and table with `aws init`, and finds them there the second time', async () => {
    const first = await cli.json(initResult, ['aws', 'init'], { env });
    const second = await cli.json(initResult, ['aws', 'init'], { env });

    expect(first).toEqual({
      bucket: { name: 'walk-through', created: true, lifecycle: 'set' },
      table: { name: 'strata-walk-through', created: true },
    });
    expect(second).toEqual({
      bucket: { name: 'walk-through', created: false, lifecycle: 'left as is' },
      table: { name: 'strata-walk-through', created: false },
    });
    const rules = await emulators
      .s3Client()
      .send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'walk-through' }));
    expect(rules.Rules).toEqual([
      expect.objectContaining({
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
        Status: 'Enabled',
      }),
    ]);
  });

  it('runs the versioning walk-through: repo, put, list, branch, diff, revert, history, get', async () => {
    await writeFile(cli.path('tabby.png'), 'tabby v1');
    await writeFile(cli.path('tabby-v2.png'), 'tabby v2');
    await writeFile(cli.path('ginger.png'), 'ginger');
    const run = (...args: string[]) => cli.ok(args, { env });

    await run('create', 'repo', 'images');
    await run('put', 'file', 'images@master:/cats/', '-f', 'tabby.png', '-f', 'ginger.png');
    const listed = await cli.json(fileList, ['list', 'file', 'images@master:/cats'], { env });
    await run('create', 'branch', 'images@experiment', '--head', 'images@master');
    await run('put', 'file', 'images@experiment:/cats/tabby.png', '-f', 'tabby-v2.png');
    const diff = await run('diff', 'file', 'images@experiment', 'images@master');
    const changed = await run('get', 'file', 'images@experiment:/cats/tabby.png');
    await run('revert', 'images@experiment');
    const reverted = await run('get', 'file', 'images@experiment:/cats/tabby.png');
    const history = await cli.json(commitPage, ['list', 'commit', 'images@experiment'], { env });

    expect(listed.map((file) => file.path)).toEqual(['/cats/ginger.png', '/cats/tabby.png']);
    expect(diff.stdout).toMatch(/\/cats\/tabby\.png/);
    expect(changed.stdout).toBe('tabby v2');
    expect(reverted.stdout).toBe('tabby v1');
    expect(history.items.map((commit) => commit.origin)).toEqual(['revert', 'auto', 'auto']);
  });

  it('keeps the data in the bucket and table, not in $STRATA_HOME', async () => {
    const onAws = await cli.ok(['list', 'repo', '--json'], { env });
    const onHome = await cli.ok(['list', 'repo', '--json'], { env: { STRATA_CONTEXT: '' } });

    expect(JSON.parse(onAws.stdout).map((repo: { name: string }) => repo.name)).toContain('images');
    expect(JSON.parse(onHome.stdout)).toEqual([]);
  });

  it('with --event-bus: aws init creates the bus, and commits are published to it instead of running jobs here', async () => {
    // Arrange: a fake EventBridge endpoint (there is no emulator), reached through the SDK environment.
    const eventBridge = await FakeEventBridge.start();
    const published: unknown[] = [];
    eventBridge.subscribe(async (envelope) => {
      published.push(envelope);
    });
    await cli.ok([
      'create',
      'context',
      'bus',
      '--bucket',
      'walk-through',
      '--table',
      'strata-walk-through',
      '--event-bus',
      'strata-events',
    ]);
    const busEnv = { ...env, STRATA_CONTEXT: 'bus', AWS_ENDPOINT_URL_EVENTBRIDGE: eventBridge.endpoint };
    try {
      // Act
      const init = await cli.json(initResult, ['aws', 'init'], { env: busEnv });
      const again = await cli.json(initResult, ['aws', 'init'], { env: busEnv });
      await cli.ok(['create', 'repo', 'events'], { env: busEnv });
      await writeFile(cli.path('note.txt'), 'published');
      await cli.ok(['put', 'file', 'events@master:/note.txt', '-f', 'note.txt'], { env: busEnv });
      await eventBridge.idle();

      // Assert
      expect(init.eventBus).toEqual({ name: 'strata-events', created: true });
      expect(again.eventBus).toEqual({ name: 'strata-events', created: false });
      expect(published).toEqual([
        expect.objectContaining({
          source: 'strata',
          'detail-type': 'CommitFinished',
          detail: expect.objectContaining({ repo: 'events', branch: 'master', error: null }),
        }),
      ]);
    } finally {
      await eventBridge.close();
    }
  });

  it('names the missing table and how to create it', async () => {
    await cli.ok(['create', 'context', 'no-table', '--bucket', 'walk-through', '--table', 'never-created']);

    const result = await cli.run(['list', 'repo'], { env: { ...env, STRATA_CONTEXT: 'no-table' } });

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('DynamoDB table never-created does not exist');
    expect(result.stderr).toContain('strata aws init');
  });

  it('names an unreachable endpoint and fails instead of hanging', async () => {
    const closed = 'http://127.0.0.1:9';
    await cli.ok([
      'create',
      'context',
      'nowhere',
      '--bucket',
      'walk-through',
      '--table',
      'strata',
      '--endpoint',
      closed,
    ]);

    const result = await cli.run(['list', 'repo'], {
      env: {
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'S3RVER',
        AWS_SECRET_ACCESS_KEY: 'S3RVER',
        STRATA_CONTEXT: 'nowhere',
      },
      timeoutMs: 30_000,
    });

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(closed);
    expect(result.stderr).not.toContain('killed after');
  });
});

const initResult = z.object({
  bucket: z.object({ name: z.string(), created: z.boolean(), lifecycle: z.string() }),
  table: z.object({ name: z.string(), created: z.boolean() }),
  eventBus: z.object({ name: z.string(), created: z.boolean() }).optional(),
});
