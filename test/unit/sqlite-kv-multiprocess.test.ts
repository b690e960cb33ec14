/**
 * The local backend is shared by several processes (the CLI beside a long-running engine): these
 * tests run real child processes against one database file and one object folder.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsObjectStore, PARTIAL_DIR } from '../../adapters/local/fs-object-store.ts';
import { SqliteKvStore } from '../../adapters/local/sqlite-kv-store.ts';
import { InvalidArgumentError } from '../../versioning/errors.ts';
import { allPages } from '../../versioning/ports.ts';

const fixture = (name: string): string => new URL(`../fixtures/${name}`, import.meta.url).pathname;

interface Child {
  readonly child: ChildProcess;
  readonly lines: AsyncIterator<string>;
  /** The exit code, or the signal that ended it; listened for from the start so no exit is missed. */
  readonly exited: Promise<number | string>;
}

function startChild(script: string, args: readonly string[]): Child {
  const child = spawn(process.execPath, ['--no-warnings', fixture(script), ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit').then(([code, signal]) => code ?? signal);
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return { child, lines, exited };
}

async function nextLine(lines: AsyncIterator<string>): Promise<string> {
  const line = await lines.next();
  if (line.done === true) throw new Error('child process ended early');
  return line.value;
}

let folder: string;

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'strata-multiprocess-'));
});

afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe('SqliteKvStore shared by several processes', () => {
  it('counts exactly 200 after 4 processes each make 50 CAS-retry increments of one key', async () => {
    const databaseFile = join(folder, 'graph.sqlite');
    const setup = new SqliteKvStore(databaseFile);
    await setup.putIfAbsent('counter', '0');
    setup.close();
    const children = Array.from({ length: 4 }, () =>
      startChild('sqlite-cas-increments.ts', [databaseFile, 'counter', '50']),
    );
    await Promise.all(children.map(async ({ lines }) => expect(await nextLine(lines)).toBe('ready')));

    for (const { child } of children) child.stdin!.write('go\n');
    const reports = await Promise.all(children.map(({ lines }) => nextLine(lines)));
    const exitCodes = await Promise.all(children.map(({ exited }) => exited));

    expect(exitCodes).toEqual([0, 0, 0, 0]);
    const store = new SqliteKvStore(databaseFile);
    expect(await store.get('counter')).toEqual({ key: 'counter', value: '200', version: 201 });
    store.close();
    const lostRaces = reports.reduce((sum, report) => sum + Number(JSON.parse(report).lostRaces), 0);
    console.info(`4 processes × 50 increments: ${lostRaces} compare-and-sets lost a race and were retried`);
  });

  it('opens one new database file from 4 processes at once', async () => {
    const databaseFile = join(folder, 'fresh', 'graph.sqlite');
    const children = Array.from({ length: 4 }, () =>
      startChild('sqlite-cas-increments.ts', [databaseFile, 'absent', '0']),
    );

    const greetings = await Promise.all(children.map(({ lines }) => nextLine(lines)));
    for (const { child } of children) child.stdin!.write('go\n');
    const exitCodes = await Promise.all(children.map(({ exited }) => exited));

    expect(greetings).toEqual(['ready', 'ready', 'ready', 'ready']);
    expect(exitCodes).toEqual([0, 0, 0, 0]);
  });
});

describe('FsObjectStore after a crash', () => {
  it('never lists or returns a partial write abandoned by a dead process', async () => {
    const store = new FsObjectStore(folder);
    await store.putIfAbsent('nodes/ab/whole', new Uint8Array([1, 2, 3]));
    await writeFile(join(folder, PARTIAL_DIR, 'abandoned'), new Uint8Array([9, 9]));

    const everything = await store.list('');
    const underDot = await store.list('.');

    expect(everything).toEqual({ items: [{ key: 'nodes/ab/whole', size: 3 }] });
    expect(underDot).toEqual({ items: [] });
    await expect(store.get(`${PARTIAL_DIR}/abandoned`)).rejects.toThrow(InvalidArgumentError);
  });

  it('holds only whole objects after a writer is killed mid-put', async () => {
    const { child, lines, exited } = startChild('fs-put-until-killed.ts', [folder]);
    for (let stored = 0; stored < 5; stored++) expect(await nextLine(lines)).toBe('stored');

    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const store = new FsObjectStore(folder);
    const keys: string[] = [];
    for await (const { key, size } of allPages((after) => store.list('', { after }))) {
      const bytes = await store.get(key);
      expect(size).toBe(1024 * 1024);
      expect(key).toBe(`nodes/${key.slice(6, 8)}/${createHash('sha256').update(bytes).digest('hex')}`);
      keys.push(key);
    }
    expect(keys.length).toBeGreaterThanOrEqual(5);
  });

  it('removes abandoned partial writes older than the cutoff and keeps recent ones', async () => {
    const store = new FsObjectStore(folder);
    const old = join(folder, PARTIAL_DIR, 'old');
    const recent = join(folder, PARTIAL_DIR, 'recent');
    await writeFile(old, 'x');
    await writeFile(recent, 'y');
    const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
    await utimes(old, twoHoursAgo, twoHoursAgo);

    const removed = await store.removeAbandonedWrites(60 * 60 * 1000);

    expect(removed).toBe(1);
    expect(await readdir(join(folder, PARTIAL_DIR))).toEqual(['recent']);
  });
});
