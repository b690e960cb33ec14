/**
 * Contexts as a user manages them: create / use / list / inspect / delete, the order in which a
 * command picks its backend, and bad input that names the value and changes nothing.
 */
import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { StrataCli } from '../harness/cli.ts';

const contextInfo = z.object({
  name: z.string(),
  active: z.boolean(),
  backend: z.enum(['aws', 'local']),
  bucket: z.string().optional(),
  table: z.string().optional(),
  region: z.string().optional(),
  endpoint: z.string().optional(),
  home: z.string().optional(),
});

describe('strata context commands', () => {
  let cli: StrataCli;

  beforeEach(async () => {
    cli = await StrataCli.create();
  });

  afterEach(() => cli.dispose());

  const configText = () => readFile(cli.path('config.json'), 'utf8').catch(() => '(no config file)');

  it('creates an AWS context, makes it active, lists and inspects it, then deletes it', async () => {
    const created = await cli.ok([
      'create',
      'context',
      'dev',
      '--bucket',
      'my-strata-data',
      '--table',
      'strata-meta',
      '--region',
      'eu-west-1',
      '--use',
    ]);
    expect(created.stdout).toContain('created context dev: s3://my-strata-data/ + dynamodb:strata-meta');
    expect(created.stdout).toContain('strata aws init --context dev');

    const listed = await cli.json(z.array(contextInfo), ['list', 'context']);
    expect(listed).toEqual([
      {
        name: 'dev',
        active: true,
        backend: 'aws',
        bucket: 'my-strata-data',
        table: 'strata-meta',
        region: 'eu-west-1',
      },
    ]);
    const inspected = await cli.json(contextInfo, ['inspect', 'context']);
    expect(inspected).toMatchObject({ name: 'dev', active: true, bucket: 'my-strata-data' });
    expect((await cli.ok(['list', 'context'])).stdout).toMatch(/^\*\s+dev\s+aws\s+s3:\/\/my-strata-data/m);

    await cli.ok([
      'create',
      'context',
      'team',
      '--bucket',
      'shared-bucket',
      '--table',
      'meta',
      '--prefix',
      'team-a',
    ]);
    expect(
      await cli.json(contextInfo.extend({ prefix: z.string() }), ['inspect', 'context', 'team']),
    ).toMatchObject({
      prefix: 'team-a/',
      active: false,
    });
    await cli.ok(['delete', 'context', 'team']);

    const deleted = await cli.ok(['delete', 'context', 'dev']);
    expect(deleted.stdout).toBe('deleted context dev; no context is active now\n');
    expect(await cli.json(z.array(contextInfo), ['list', 'context'])).toEqual([]);
  });

  it('uses the embedded backend at $STRATA_HOME when no context is active', async () => {
    await cli.ok(['create', 'repo', 'images']);

    const inspected = await cli.json(contextInfo, ['inspect', 'context']);

    expect(inspected).toEqual({ name: 'default', active: true, backend: 'local', home: cli.home });
    expect(await cli.json(contextInfo, ['inspect', 'context', 'default'])).toEqual(inspected);
  });

  it('runs on a local context chosen by --context or $STRATA_CONTEXT, and back on $STRATA_HOME after `use context default`', async () => {
    await cli.ok(['create', 'context', 'other', '--backend', 'local', '--home', cli.path('other-home')]);
    await cli.ok(['--context', 'other', 'create', 'repo', 'elsewhere']);
    await cli.ok(['use', 'context', 'other']);
    await cli.ok(['create', 'repo', 'also-elsewhere']);

    const onOther = await cli.ok(['list', 'repo', '--json'], { env: { STRATA_CONTEXT: 'other' } });
    await cli.ok(['use', 'context', 'default']);
    const onHome = await cli.ok(['list', 'repo', '--json']);

    expect(
      JSON.parse(onOther.stdout)
        .map((repo: { name: string }) => repo.name)
        .sort(),
    ).toEqual(['also-elsewhere', 'elsewhere']);
    expect(JSON.parse(onHome.stdout)).toEqual([]);
  });

  it.each([
    [
      ['create', 'context', 'x', '--bucket', 'Bad_Bucket', '--table', 'meta'],
      /invalid S3 bucket name "Bad_Bucket"/,
    ],
    [
      ['create', 'context', 'x', '--bucket', 'good-bucket'],
      /--backend aws needs --bucket <name> and --table <name>/,
    ],
    [
      ['create', 'context', 'x', '--bucket', 'good-bucket', '--table', 'ab'],
      /invalid DynamoDB table name "ab"/,
    ],
    [
      ['create', 'context', 'x', '--bucket', 'good-bucket', '--table', 'meta', '--region', 'mars'],
      /invalid AWS region "mars"/,
    ],
    [
      ['create', 'context', 'x', '--bucket', 'good-bucket', '--table', 'meta', '--endpoint', 'ftp://host'],
      /invalid endpoint "ftp:\/\/host"/,
    ],
    [
      ['create', 'context', 'x', '--backend', 'local', '--bucket', 'b'],
      /--bucket only apply to --backend aws/,
    ],
    [['create', 'context', 'x', '--backend', 'gcs'], /invalid --backend "gcs": use aws or local/],
    [['create', 'context', 'default', '--backend', 'local'], /reserved/],
    [['create', 'context', '-bad', '--backend', 'local'], /invalid context name|unknown option/],
    [['use', 'context', 'missing'], /no context "missing"/],
    [['delete', 'context', 'missing'], /no context "missing"/],
    [['delete', 'context', 'default'], /context default is \$STRATA_HOME and cannot be deleted/],
    [
      ['create', 'context', 'x', '--bucket', 'good-bucket', '--table', 'meta', '--prefix', '/abs'],
      /invalid --prefix "\/abs"/,
    ],
    [['create', 'context', 'x', '--bucket', 'a..b', '--table', 'meta'], /invalid S3 bucket name "a\.\.b"/],
    [['--context', 'missing', 'list', 'repo'], /no context "missing"/],
    [['aws', 'init'], /is not an AWS context/],
  ])('rejects %j with a message naming the value, and writes no config', async (args, message) => {
    const before = await configText();

    const result = await cli.run(args);

    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(message);
    expect(await configText()).toBe(before);
  });

  it('refuses to replace a context without --overwrite', async () => {
    await cli.ok(['create', 'context', 'dev', '--bucket', 'first-bucket', '--table', 'meta']);
    const before = await configText();

    const refused = await cli.run([
      'create',
      'context',
      'dev',
      '--bucket',
      'second-bucket',
      '--table',
      'meta',
    ]);
    const afterRefusal = await configText();
    await cli.ok(['create', 'context', 'dev', '--bucket', 'second-bucket', '--table', 'meta', '--overwrite']);

    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('context dev already exists: pass --overwrite');
    expect(afterRefusal).toBe(before);
    expect(await cli.json(contextInfo, ['inspect', 'context', 'dev'])).toMatchObject({
      bucket: 'second-bucket',
    });
  });

  it('names a config file that is not valid JSON', async () => {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(cli.path('config.json'), '{ not json');

    const result = await cli.run(['list', 'repo']);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`config file ${cli.path('config.json')} is not valid JSON`);
  });
});
