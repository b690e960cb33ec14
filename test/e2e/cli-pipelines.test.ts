/** The pipeline commands as a user types them: spec files, jobs, datums, logs, lineage, commit sets. */
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { StrataCli } from '../harness/cli.ts';

const job = z.object({
  pipeline: z.string(),
  commitSet: z.string(),
  state: z.string(),
  counts: z.object({ total: z.number(), processed: z.number(), skipped: z.number(), failed: z.number() }),
});
const jobs = z.array(job);

describe('strata pipeline commands', () => {
  let cli: StrataCli;

  beforeAll(async () => {
    cli = await StrataCli.create();
    await writeFile(cli.path('a.txt'), 'alpha\n');
    await writeFile(cli.path('b.txt'), 'beta\n');
    await writeFile(
      cli.path('upper.yaml'),
      [
        'pipeline: { name: upper }',
        'input: { pfs: { repo: words, glob: "/*" } }',
        'transform:',
        '  cmd: [sh, -c, "for f in /pfs/words/*; do echo working on $f; tr a-z A-Z < $f > /pfs/out/$(basename $f); done"]',
      ].join('\n'),
    );
    await cli.ok(['create', 'repo', 'words']);
    await cli.ok(['put', 'file', 'words@master:/', '-f', cli.path('a.txt'), '-f', cli.path('b.txt')]);
  });

  afterAll(async () => {
    await cli.dispose();
  });

  it('creates a pipeline that runs on the current data, then on each new commit, incrementally', async () => {
    const created = await cli.ok(['create', 'pipeline', '-f', cli.path('upper.yaml')]);
    expect(created.stdout).toMatch(/created pipeline upper \(version 1\)/);
    expect(created.stdout).toMatch(/success: 2 datums \(2 processed, 0 skipped\)/);

    await writeFile(cli.path('a.txt'), 'alpha two\n');
    await cli.ok(['put', 'file', 'words@master:/a.txt', '-f', cli.path('a.txt')]);
    const [latest] = await cli.json(jobs, ['list', 'job', '-p', 'upper', '--json']);

    expect(latest?.state).toBe('success');
    expect(latest?.counts).toMatchObject({ total: 2, processed: 1, skipped: 1 });
    expect((await cli.ok(['get', 'file', 'upper@master:/a.txt'])).stdout).toBe('ALPHA TWO\n');

    const inspected = await cli.ok(['inspect', 'job', `upper@${latest?.commitSet}`]);
    expect(inspected.stdout).toMatch(/Output commit: +upper@[0-9a-f]{32}/);
    const datums = await cli.ok(['list', 'datum', `upper@${latest?.commitSet}`]);
    expect(datums.stdout).toMatch(/processed/);
    expect(datums.stdout).toMatch(/skipped/);
    const logs = await cli.ok(['logs', '-p', 'upper', '--job', latest?.commitSet ?? '']);
    expect(logs.stdout).toMatch(/working on \/pfs\/words\/a\.txt|working on .*\/words\/a\.txt/);

    const lineage = await cli.ok(['lineage', 'upper@master:/a.txt', '--full-ids']);
    expect(lineage.stdout).toMatch(/pipeline upper v1/);
    expect(lineage.stdout).toMatch(new RegExp(`words@${latest?.commitSet}:/a\\.txt`));

    const set = await cli.ok(['wait', 'commitset', latest?.commitSet ?? '']);
    expect(set.stdout).toMatch(/complete/);
    expect(set.stdout).toMatch(/words@/);
    expect(set.stdout).toMatch(/upper@/);
  });

  it('re-runs every datum with update pipeline --reprocess', async () => {
    await cli.ok(['update', 'pipeline', '-f', cli.path('upper.yaml'), '--reprocess']);
    const [latest] = await cli.json(jobs, ['list', 'job', '-p', 'upper', '--json']);
    expect(latest?.counts).toMatchObject({ total: 2, processed: 2, skipped: 0 });
  });

  it('rejects an invalid spec with the field, value and rule, exit 2, and changes nothing', async () => {
    await writeFile(
      cli.path('bad.json'),
      JSON.stringify({
        pipeline: { name: 'bad' },
        input: { pfs: { repo: 'words', glob: 'x' } },
        transform: { cmd: [] },
      }),
    );
    const before = await cli.ok(['list', 'pipeline', '--json']);

    const result = await cli.run(['create', 'pipeline', '-f', cli.path('bad.json')]);

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/input\.pfs\.glob/);
    expect(result.stderr).not.toMatch(/at .*\.ts:\d+/);
    expect((await cli.ok(['list', 'pipeline', '--json'])).stdout).toBe(before.stdout);
  });

  it('names a pipeline spec file that does not exist', async () => {
    const result = await cli.run(['create', 'pipeline', '-f', cli.path('missing.yaml')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/missing\.yaml/);
  });

  it('refuses a job reference that is not PIPELINE@ID', async () => {
    const result = await cli.run(['inspect', 'job', 'upper']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/expected PIPELINE@JOB_ID/);
  });

  it('deletes a pipeline and its output repo', async () => {
    await cli.ok(['delete', 'pipeline', 'upper']);
    expect((await cli.ok(['list', 'pipeline'])).stdout).not.toMatch(/upper/);
    expect((await cli.run(['inspect', 'repo', 'upper'])).code).toBe(1);
  });
});
