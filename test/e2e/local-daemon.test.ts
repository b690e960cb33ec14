import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CronTicker, tickName } from '../../adapters/local/daemon/cron-ticker.ts';
import { IngestFolder } from '../../adapters/local/daemon/ingest-folder.ts';
import { createEngine, type Engine, openLocalEngine } from '../../adapters/local/engine.ts';
import { openLocalBackend } from '../../adapters/local/index.ts';
import {
  type DaemonLog,
  isDaemonRunning,
  type LocalDaemon,
  pidFilePath,
  startLocalDaemon,
} from '../../adapters/local/local-daemon.ts';
import { MemoryKvStore, MemoryObjectStore } from '../../adapters/memory/index.ts';
import { terminalJobStates } from '../../pipelines/jobs/records.ts';
import type { CommitInfo } from '../../versioning/api.ts';
import { parseRepoName } from '../../versioning/ids.ts';
import { VersioningService } from '../../versioning/service.ts';
import { memoryService, paths, readText } from '../harness/memory-service.ts';

interface CapturedLog extends DaemonLog {
  readonly infos: string[];
  readonly errors: string[];
}

function capturedLog(): CapturedLog {
  const infos: string[] = [];
  const errors: string[] = [];
  return { infos, errors, info: (line) => infos.push(line), error: (line) => errors.push(line) };
}

async function eventually<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 8_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Writes files aside, then moves the folder into place at once, as a user dropping a folder would. */
async function dropFolder(home: string, target: string, files: Record<string, string>): Promise<void> {
  const aside = join(home, `drop-${Math.random().toString(16).slice(2)}`);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(aside, path)), { recursive: true });
    await writeFile(join(aside, path), content);
  }
  await mkdir(dirname(join(home, 'ingest', target)), { recursive: true });
  await rename(aside, join(home, 'ingest', target));
}

/** Works on the home the way another process (a CLI command) would: its own engine and connection. */
async function asAnotherProcess(home: string, work: (engine: Engine) => Promise<void>): Promise<void> {
  const engine = openLocalEngine(home);
  try {
    await work(engine);
    await engine.idle();
  } finally {
    await engine.close();
  }
}

async function ingestCommits(versioning: VersioningService, repo: string): Promise<CommitInfo[]> {
  const page = await versioning.listCommits(parseRepoName(repo), { limit: 100 });
  return page.items.filter((commit) => commit.description.startsWith('ingest'));
}

const listing = JSON.stringify({
  pipeline: { name: 'listing' },
  input: { pfs: { repo: 'images', glob: '/' } },
  transform: { cmd: ['sh', '-c', 'cd /pfs/images && find . -type f | sort > /pfs/out/files.txt'] },
});

const clock = JSON.stringify({
  pipeline: { name: 'clock' },
  input: { cron: { name: 'tick', spec: '@every 1s', overwrite: true } },
  transform: { cmd: ['sh', '-c', 'ls /pfs/tick > /pfs/out/ticks.txt'] },
});

describe('the local engine daemon', () => {
  let home: string;
  let controller: AbortController;
  let log: CapturedLog;
  let daemon: LocalDaemon;

  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'strata-daemon-'));
    controller = new AbortController();
    log = capturedLog();
    daemon = await startLocalDaemon({
      home,
      signal: controller.signal,
      log,
      pollMs: 50,
      eventPollMs: 50,
      pipelineRefreshMs: 200,
      stopGraceMs: 2_000,
    });
  });

  afterEach(async () => {
    controller.abort();
    await daemon.stopped;
    await rm(home, { recursive: true, force: true });
  });

  it('commits a batch of dropped files as one commit, then removes them from the ingest folder', async () => {
    const cli = openLocalBackend(home);
    await new VersioningService(cli).createRepo(parseRepoName('images'));
    cli.close();

    await dropFolder(home, 'images/master', { 'cats/a.png': 'meow', 'b.txt': 'bee' });

    const { versioning } = daemon.engine;
    const [commit] = await eventually(async () => {
      const found = await ingestCommits(versioning, 'images');
      return found.length > 0 && !existsSync(join(home, 'ingest/images/master/cats')) ? found : undefined;
    }, 'the ingest commit');
    expect(commit?.state).toBe('finished');
    expect(await ingestCommits(versioning, 'images')).toHaveLength(1);
    expect(await paths(versioning, 'images@master')).toEqual(['/b.txt', '/cats/a.png']);
    expect(await readText(versioning, 'images@master:/cats/a.png')).toBe('meow');
    expect(existsSync(join(home, 'ingest/images/master/b.txt'))).toBe(false);
    expect(log.infos.join('\n')).toMatch(
      /ingest: committed 2 file\(s\), 7 B, to images@master as commit [0-9a-f]{32}/,
    );
    expect(log.errors).toEqual([]);
  });

  it('runs a pipeline created by another process on the ingested commit', async () => {
    await asAnotherProcess(home, async (engine) => {
      await engine.versioning.createRepo(parseRepoName('images'));
      await engine.pipelines.createPipeline(listing, 'listing.json');
    });

    await dropFolder(home, 'images/master', { 'cats/a.png': 'meow', 'dogs/b.png': 'woof' });

    const { versioning, pipelines } = daemon.engine;
    const [commit] = await eventually(async () => {
      const found = await ingestCommits(versioning, 'images');
      return found.length > 0 ? found : undefined;
    }, 'the ingest commit');
    const job = await eventually(async () => {
      const found = await pipelines.jobs.findJob(parseRepoName('listing'), commit!.globalId);
      return found && terminalJobStates.has(found.state) ? found : undefined;
    }, 'the job on the ingested commit');
    expect(job.state).toBe('success');
    expect(job.inputs[0]?.commit).toBe(commit?.id);
    expect(await readText(versioning, 'listing@master:/files.txt')).toBe('./cats/a.png\n./dogs/b.png\n');
    await eventually(
      async () =>
        log.infos.some((line) => line.startsWith(`job listing@${job.commitSet} success`)) ? true : undefined,
      'the job to be logged',
    );
    expect(log.errors).toEqual([]);
  });

  it('refuses a second daemon on the same home, naming the pid of the first', async () => {
    const second = new AbortController();

    const attempt = startLocalDaemon({ home, signal: second.signal, log: capturedLog() });

    await expect(attempt).rejects.toThrow(
      new RegExp(`a local engine is already running on .* \\(pid ${process.pid}, started `),
    );
    expect(await isDaemonRunning(home)).toBe(true);
    expect(JSON.parse(await readFile(pidFilePath(home), 'utf8'))).toMatchObject({ pid: process.pid });
  });

  it('ticks a cron pipeline into its tick repo and runs a job per tick', async () => {
    await asAnotherProcess(home, async (engine) => {
      await engine.pipelines.createPipeline(clock, 'clock.json');
    });

    const { versioning, pipelines } = daemon.engine;
    const jobs = await eventually(async () => {
      const found = await pipelines.listJobs({ pipeline: parseRepoName('clock') });
      return found.filter((job) => job.state === 'success').length >= 2 ? found : undefined;
    }, 'two successful cron jobs');
    expect(jobs.every((job) => job.inputs[0]?.repo === 'clock_tick')).toBe(true);
    // overwrite: the tick repo holds only the latest tick file.
    const ticks = await paths(versioning, 'clock_tick@master');
    expect(ticks).toHaveLength(1);
    expect(ticks[0]).toMatch(/^\/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(log.errors).toEqual([]);
  });

  it('stops when aborted: closes the engine and removes the pid file', async () => {
    expect(existsSync(pidFilePath(home))).toBe(true);

    controller.abort();
    await daemon.stopped;

    expect(existsSync(pidFilePath(home))).toBe(false);
    expect(await isDaemonRunning(home)).toBe(false);
    expect(log.infos.at(-1)).toBe('local engine stopped');
  });
});

describe('claiming a home', () => {
  it('replaces the pid file of a process that is gone', async () => {
    const home = await mkdtemp(join(tmpdir(), 'strata-daemon-'));
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    await writeFile(pidFilePath(home), JSON.stringify({ pid: gone, started: new Date().toISOString() }));
    const controller = new AbortController();
    const log = capturedLog();

    const daemon = await startLocalDaemon({ home, signal: controller.signal, log, pollMs: 50 });
    controller.abort();
    await daemon.stopped;

    expect(log.infos[0]).toMatch(new RegExp(`removed the stale engine.pid of pid ${gone} `));
    expect(existsSync(pidFilePath(home))).toBe(false);
    await rm(home, { recursive: true, force: true });
  });
});

describe('IngestFolder', () => {
  let root: string;
  let versioning: VersioningService;
  let log: CapturedLog;
  let ingest: IngestFolder;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'strata-ingest-'));
    versioning = memoryService().service;
    log = capturedLog();
    ingest = new IngestFolder({ root, versioning, log });
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('takes a file only once its size and time were unchanged across two scans', async () => {
    await versioning.createRepo(parseRepoName('logs'));
    await mkdir(join(root, 'logs/master'), { recursive: true });
    await writeFile(join(root, 'logs/master/app.log'), 'half');

    const first = await ingest.scan();
    await appendFile(join(root, 'logs/master/app.log'), ' and the rest');
    const second = await ingest.scan();
    const third = await ingest.scan();

    expect(first).toEqual([]);
    expect(second).toEqual([]);
    expect(third).toMatchObject([{ repo: 'logs', branch: 'master', files: 1, bytes: 17 }]);
    expect(await readText(versioning, 'logs@master:/app.log')).toBe('half and the rest');
    expect(existsSync(join(root, 'logs/master/app.log'))).toBe(false);
  });

  it('leaves hidden files, such as ones still being written, in place', async () => {
    await versioning.createRepo(parseRepoName('logs'));
    await mkdir(join(root, 'logs/master'), { recursive: true });
    await writeFile(join(root, 'logs/master/.app.log.part'), 'partial');
    await writeFile(join(root, 'logs/master/done.log'), 'done');

    await ingest.scan();
    const batches = await ingest.scan();

    expect(batches).toMatchObject([{ files: 1 }]);
    expect(await paths(versioning, 'logs@master')).toEqual(['/done.log']);
    expect(existsSync(join(root, 'logs/master/.app.log.part'))).toBe(true);
  });

  it('leaves the files of a repo that does not exist, and says once how to create it', async () => {
    await mkdir(join(root, 'ghost/master'), { recursive: true });
    await writeFile(join(root, 'ghost/master/x.txt'), 'boo');

    for (let scan = 0; scan < 4; scan += 1) expect(await ingest.scan()).toEqual([]);

    expect(log.errors).toHaveLength(1);
    expect(log.errors[0]).toMatch(/repo "ghost" does not exist.*create it with 'strata create repo ghost'/);
    expect(existsSync(join(root, 'ghost/master/x.txt'))).toBe(true);
  });
});

describe('CronTicker', () => {
  let scratch: string;
  let engine: Engine;

  beforeEach(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'strata-cron-'));
    engine = createEngine(
      { objects: new MemoryObjectStore(), kv: new MemoryKvStore() },
      { scratchDir: scratch },
    );
  });

  afterEach(async () => {
    await engine.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it('writes a tick file per tick, replaces the previous one with overwrite, and collapses missed ticks', async () => {
    // Arrange
    const spec = JSON.parse(clock);
    spec.input.cron.spec = '@every 10s';
    await engine.pipelines.createPipeline(JSON.stringify(spec), 'clock.json');
    let now = new Date();
    const ticker = new CronTicker({
      pipelines: engine.pipelines,
      versioning: engine.versioning,
      log: capturedLog(),
      now: () => now,
    });
    await ticker.refresh();
    const first = ticker.nextTicks.get(parseRepoName('clock_tick'))!;

    // Act: the first two ticks, then a minute with no engine running.
    now = first;
    const tick1 = await ticker.fireDue();
    now = new Date(first.getTime() + 10_000);
    const tick2 = await ticker.fireDue();
    const notYet = await ticker.fireDue();
    now = new Date(first.getTime() + 75_000);
    const caughtUp = await ticker.fireDue();
    await engine.idle();

    // Assert
    expect(tick1.map((tick) => tick.time)).toEqual([first]);
    expect(tick2.map((tick) => tick.time)).toEqual([new Date(first.getTime() + 10_000)]);
    expect(notYet).toEqual([]);
    expect(caughtUp.map((tick) => tick.time)).toEqual([new Date(first.getTime() + 20_000)]);
    expect(ticker.nextTicks.get(parseRepoName('clock_tick'))).toEqual(new Date(first.getTime() + 85_000));
    expect(await paths(engine.versioning, 'clock_tick@master')).toEqual([
      `/${tickName(new Date(first.getTime() + 20_000))}`,
    ]);
    const jobs = await engine.pipelines.listJobs({ pipeline: parseRepoName('clock') });
    expect(jobs.filter((job) => job.state === 'success')).toHaveLength(3);
  });
});
