/**
 * Repos and branches as a user drives them: create / list / inspect / delete, zero-copy branches,
 * and provenance that protects an upstream repo from deletion until --force.
 */
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JSON_FIELDS } from '../../cli/format.ts';
import {
  branchInfo,
  branchList,
  commitInfo,
  fileList,
  repoInfo,
  repoList,
  StrataCli,
} from '../harness/cli.ts';

describe('strata repo and branch commands', () => {
  let cli: StrataCli;

  beforeAll(async () => {
    cli = await StrataCli.create();
    await writeFile(cli.path('a.csv'), 'x,y\n1,2\n');
    await writeFile(cli.path('b.csv'), 'x,y\n3,4\n');
  });

  afterAll(() => cli.dispose());

  it('creates, lists and inspects repos', async () => {
    const created = await cli.ok(['create', 'repo', 'raw', '-d', 'raw sensor data']);
    expect(created.stdout).toBe('created repo raw\n');
    await cli.ok(['create', 'repo', 'clean']);
    await cli.ok(['put', 'file', 'raw@master:/a.csv', '-f', 'a.csv']);

    const [repos, raw, table] = await Promise.all([
      cli.json(repoList, ['list', 'repo']),
      cli.json(repoInfo, ['inspect', 'repo', 'raw']),
      cli.ok(['list', 'repo']),
    ]);
    expect(repos.map((repo) => repo.name).sort()).toEqual(['clean', 'raw']);
    expect(raw).toMatchObject({
      name: 'raw',
      description: 'raw sensor data',
      branches: ['master'],
      sizeBytes: 8,
    });
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+CREATED\s+SIZE \(MASTER\)\s+COMMITS\s+DESCRIPTION$/);
    expect(lines.find((line) => line.startsWith('raw '))).toMatch(
      /^raw\s+(just now|.+ ago)\s+8 B\s+1\s+raw sensor data$/,
    );
  });

  it('branches without copying: writes to the branch leave master unchanged', async () => {
    const master = await cli.json(commitInfo, ['inspect', 'commit', 'raw@master']);
    const created = await cli.ok(['create', 'branch', 'raw@dev', '--head', 'master']);
    expect(created.stdout).toBe(`branch raw@dev at ${master.id}\n`);
    const dev = await cli.json(branchInfo, ['inspect', 'branch', 'raw@dev']);
    expect(dev.head).toBe(master.id);

    await cli.ok(['put', 'file', 'raw@dev:/b.csv', '-f', 'b.csv']);
    const [masterFiles, devFiles, masterAfter] = await Promise.all([
      cli.json(fileList, ['list', 'file', 'raw@master']),
      cli.json(fileList, ['list', 'file', 'raw@dev']),
      cli.json(commitInfo, ['inspect', 'commit', 'raw@master']),
    ]);
    expect(masterFiles.map((file) => file.path)).toEqual(['/a.csv']);
    expect(devFiles.map((file) => file.path)).toEqual(['/a.csv', '/b.csv']);
    expect(masterAfter.id).toBe(master.id);
    expect(devFiles[0]?.hash).toBe(masterFiles[0]?.hash);
  });

  it('lists and inspects branches as tables and JSON', async () => {
    const [branches, table, text] = await Promise.all([
      cli.json(branchList, ['list', 'branch', 'raw']),
      cli.ok(['list', 'branch', 'raw']),
      cli.ok(['inspect', 'branch', 'raw@dev']),
    ]);
    expect(branches.map((branch) => branch.branch).sort()).toEqual(['dev', 'master']);
    expect(table.stdout.split('\n')[0]).toMatch(/^BRANCH\s+HEAD\s+CREATED\s+PROVENANCE$/);
    expect(text.stdout).toMatch(/^Branch:\s+raw@dev\nHead:\s+[0-9a-f]{32}\n/);
  });

  it('moves a branch with --head, and deletes a branch', async () => {
    const master = await cli.json(commitInfo, ['inspect', 'commit', 'raw@master']);
    await cli.ok(['create', 'branch', 'raw@dev', '--head', `raw@${master.id}`]);
    expect((await cli.json(branchInfo, ['inspect', 'branch', 'raw@dev'])).head).toBe(master.id);

    const deleted = await cli.ok(['delete', 'branch', 'raw@dev']);
    expect(deleted.stdout).toBe('deleted branch raw@dev\n');
    const gone = await cli.run(['inspect', 'branch', 'raw@dev']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/^strata: .*raw@dev.*\n$/);
  });

  it('refuses to delete a repo other branches depend on, until --force', async () => {
    await cli.ok(['create', 'branch', 'clean@master', '--provenance', 'raw@master']);
    const clean = await cli.json(branchInfo, ['inspect', 'branch', 'clean@master']);
    expect(clean.provenance).toEqual([{ repo: 'raw', branch: 'master' }]);

    const before = await cli.snapshot('raw');
    const refused = await cli.run(['delete', 'repo', 'raw']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^strata: .*\braw\b.*clean.*\n$/);
    expect(await cli.snapshot('raw')).toBe(before);

    const forced = await cli.ok(['delete', 'repo', 'raw', '--force']);
    expect(forced.stdout).toBe('deleted repo raw\n');
    const repos = await cli.json(repoList, ['list', 'repo']);
    expect(repos.map((repo) => repo.name)).toEqual(['clean']);
    const missing = await cli.run(['inspect', 'repo', 'raw']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/"?raw"?/);
  });

  it('prints exactly the documented JSON fields', async () => {
    const fields = (text: string) => text.split(', ');
    const [repo, branch, commit] = await Promise.all([
      cli.ok(['inspect', 'repo', 'clean', '--json']),
      cli.ok(['inspect', 'branch', 'clean@master', '--json']),
      cli.ok(['inspect', 'commit', 'clean@master', '--json']),
    ]);
    expect(Object.keys(JSON.parse(repo.stdout))).toEqual(fields(JSON_FIELDS.repo));
    expect(Object.keys(JSON.parse(branch.stdout))).toEqual(fields(JSON_FIELDS.branch));
    expect(Object.keys(JSON.parse(commit.stdout))).toEqual(fields(JSON_FIELDS.commit));
  });

  it('deletes a repo nobody depends on', async () => {
    await cli.ok(['create', 'repo', 'scratch']);
    await cli.ok(['delete', 'repo', 'scratch']);
    const repos = await cli.json(repoList, ['list', 'repo']);
    expect(repos.map((repo) => repo.name)).toEqual(['clean']);
  });
});
