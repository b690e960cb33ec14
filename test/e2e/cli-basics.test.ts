/**
 * What a user meets first: the launcher on whatever Node they have, help that lists every
 * command grouped by noun with an example each, `version`, and `demo`.
 */
import { spawnSync } from 'node:child_process';
import { copyFile, readFile, rm } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../cli/main.ts';
import { commitPage, STRATA_BIN, StrataCli } from '../harness/cli.ts';

/** Every runnable command as the words a user types, e.g. ['create', 'repo'] or ['revert']. */
function leafCommands(): string[][] {
  const leaves: string[][] = [];
  for (const command of buildProgram().commands) {
    if (command.commands.length === 0) leaves.push([command.name()]);
    for (const noun of command.commands) leaves.push([command.name(), noun.name()]);
  }
  return leaves;
}

/** A Node older than 22 on PATH (outside node_modules), as many users' machines have. */
function olderNode(): { path: string; version: string } | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir.includes('node_modules')) continue;
    const path = join(dir, 'node');
    const result = spawnSync(path, ['--version'], { encoding: 'utf8' });
    const version = result.status === 0 ? result.stdout.trim() : '';
    const major = Number(/^v(\d+)\./.exec(version)?.[1] ?? 'NaN');
    if (major < 22) return { path, version };
  }
  return undefined;
}

describe('strata basics', () => {
  let cli: StrataCli;

  beforeAll(async () => {
    cli = await StrataCli.create();
  });

  afterAll(() => cli.dispose());

  it('lists every command in the top-level help, grouped by noun', async () => {
    const [help, bare] = await Promise.all([cli.ok(['--help']), cli.ok([])]);
    expect(bare.stdout).toBe(help.stdout);
    const groups = help.stdout.split('\n').filter((line) => /^[A-Z][a-z]+( [a-z]+)*:$/.test(line));
    expect(groups).toEqual([
      'Repos:',
      'Branches:',
      'Commits:',
      'Files:',
      'Pipelines:',
      'Jobs:',
      'Datums:',
      'Commit sets and lineage:',
      'Contexts:',
      'Local engine:',
      'Backend setup:',
      'Other:',
      'References:',
    ]);
    for (const words of leafCommands()) {
      if (words[1] === 'help') continue;
      expect(help.stdout).toMatch(new RegExp(`^  ${words.join(' ')}\\b`, 'm'));
    }
    const commits = help.stdout.slice(help.stdout.indexOf('Commits:'), help.stdout.indexOf('Files:'));
    expect(commits).toMatch(/^ {2}revert <ref>/m);
  });

  it('gives every command a description and an example in its --help', async ({ expect }) => {
    const leaves = leafCommands().filter((words) => words.at(-1) !== 'help');
    const results = await Promise.all(leaves.map((words) => cli.run([...words, '--help'])));
    for (const [index, result] of results.entries()) {
      const words = leaves[index]?.join(' ');
      expect(result.code, words).toBe(0);
      expect(result.stdout, words).toMatch(new RegExp(`^Usage: strata ${words} `));
      expect(result.stdout.split('\n')[2], words).toMatch(/^[A-Z]/);
      expect(result.stdout, words).toMatch(/\nExamples?:\n {2}\$ strata /);
    }
  });

  it('prints its version', async () => {
    const manifest: unknown = JSON.parse(
      await readFile(new URL('../../package.json', import.meta.url), 'utf8'),
    );
    const version =
      typeof manifest === 'object' && manifest !== null && 'version' in manifest ? manifest.version : '';
    const text = await cli.ok(['version']);
    expect(text.stdout).toBe(`strata ${String(version)} (node ${process.version})\n`);
  });

  it('runs the versioning tour in a fresh temporary store and says where', async () => {
    const demo = await cli.ok(['demo', 'versioning']);
    const home = /^Strata demo, on the embedded backend in (\S+)$/m.exec(demo.stdout)?.[1];
    const root = /^Remove it with: rm -r (\S+)$/m.exec(demo.stdout)?.[1];
    try {
      expect(home).toBeDefined();
      for (const step of ['create repo', 'put file', 'create branch', 'diff file', 'revert', 'list commit']) {
        expect(demo.stdout).toContain(`$ strata ${step} `);
      }
      expect(demo.stdout).toMatch(/^~ \/readings\/2024-02\.csv$/m);
      const history = await cli.json(commitPage, ['list', 'commit', 'weather@cleanup'], {
        env: { STRATA_HOME: home ?? '' },
      });
      expect(history.items.map((commit) => commit.origin)).toEqual(['revert', 'auto', 'auto']);
    } finally {
      if (root) await rm(root, { recursive: true, force: true });
    }
  });

  const older = olderNode();
  it.skipIf(older === undefined)(
    `starts on an older Node (${older?.version ?? 'none found on PATH'}) through the bundled Node`,
    async () => {
      const result = spawnSync(older?.path ?? 'node', [STRATA_BIN, 'version'], { encoding: 'utf8' });
      expect(result.stderr).toBe('');
      expect(result.stdout).toMatch(/^strata \S+ \(node v2[2-9]\.\d+\.\d+\)\n$/);
      expect(result.status).toBe(0);

      const failed = spawnSync(older?.path ?? 'node', [STRATA_BIN, 'inspect', 'repo', 'nosuch'], {
        encoding: 'utf8',
        env: { ...process.env, STRATA_HOME: cli.path('home') },
      });
      expect(failed.status).toBe(1);
    },
  );

  it.skipIf(older === undefined)(
    'says which Node it found, and how to get Node 22, when it cannot run',
    async () => {
      const lonely = cli.path('strata.js');
      await copyFile(STRATA_BIN, lonely);
      const result = spawnSync(older?.path ?? 'node', [lonely, 'version'], { encoding: 'utf8' });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`found ${older?.version}`);
      expect(result.stderr).toMatch(/Install Node 22/);
    },
  );
});
