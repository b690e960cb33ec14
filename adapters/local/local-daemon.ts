/**
 * The long-running local engine (`strata local up`): the engine on a Strata home with the KV
 * event log as its bus, so commits made by any process on the home (the CLI, another script)
 * start pipeline jobs here; plus the ingest folder and the cron ticks.
 *
 * Rules:
 * - One engine per home: `<home>/engine.pid` names it while it runs (daemon/pid-file.ts). CLI
 *   commands that find a live engine there leave the pipeline work to it.
 * - It runs until its signal aborts. Stopping first ends the ingest and cron loops (a batch or
 *   tick under way completes), then waits up to `stopGraceMs` for running jobs while still
 *   handling the events they cause, then kills the jobs still running (their output commits
 *   finish with an error), closes the stores and removes the pid file.
 * - Events published while no engine runs are not replayed when one starts (the event log is
 *   read from the moment of subscription on).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { terminalJobStates } from '../../pipelines/jobs/records.ts';
import type { EventHandler } from '../../versioning/events.ts';
import { CronTicker } from './daemon/cron-ticker.ts';
import { type DaemonLog, errorMessage } from './daemon/daemon-log.ts';
import { IngestFolder } from './daemon/ingest-folder.ts';
import { claimHome, type DaemonOwner } from './daemon/pid-file.ts';
import { createEngine, type Engine } from './engine.ts';
import { openLocalBackend } from './index.ts';
import { KvEventLog } from './kv-event-log.ts';

export type { DaemonLog } from './daemon/daemon-log.ts';
export { type DaemonOwner, findRunningDaemon, isDaemonRunning, pidFilePath } from './daemon/pid-file.ts';

/** How often due cron ticks are looked for: the precision of a tick's time. */
const CRON_RESOLUTION_MS = 100;

export interface LocalDaemonProps {
  /** The Strata home (the `.strata` folder); created when absent. */
  readonly home: string;
  /** Stops the engine when aborted (the CLI aborts it on SIGINT and SIGTERM). */
  readonly signal: AbortSignal;
  readonly log: DaemonLog;
  /**
   * How often the ingest folder is scanned, in milliseconds. A dropped file is taken once it is
   * unchanged across two scans, so it is committed one to two intervals after its last write.
   * @default 1000
   */
  readonly pollMs?: number;
  /**
   * How often pipelines are re-read for cron inputs, in milliseconds.
   * @default 3000
   */
  readonly pipelineRefreshMs?: number;
  /**
   * How long stopping waits for running jobs before killing them, in milliseconds.
   * @default 10000
   */
  readonly stopGraceMs?: number;
  /**
   * How event log subscribers poll, in milliseconds.
   * @default 150
   */
  readonly eventPollMs?: number;
  /** @default 'auto' (see ProcessExecutor) */
  readonly hostIsolation?: 'auto' | 'host-env';
}

export interface LocalDaemon {
  readonly home: string;
  readonly owner: DaemonOwner;
  /** The engine the daemon runs (tests drive pipelines through it). */
  readonly engine: Engine;
  readonly ingest: IngestFolder;
  readonly cron: CronTicker;
  /** Resolves once the daemon has stopped, after its signal aborted, and released the home. */
  readonly stopped: Promise<void>;
}

/** Runs the local engine on `home` until `signal` aborts. */
export async function runLocalDaemon(props: LocalDaemonProps): Promise<void> {
  const daemon = await startLocalDaemon(props);
  await daemon.stopped;
}

/**
 * Claims the home and starts the engine; throws ConflictError when a live engine owns the
 * home already. The returned `stopped` settles once the signal aborted and everything closed.
 */
export async function startLocalDaemon(props: LocalDaemonProps): Promise<LocalDaemon> {
  const { home, signal, log } = props;
  const pollMs = positive('pollMs', props.pollMs ?? 1_000);
  const pipelineRefreshMs = positive('pipelineRefreshMs', props.pipelineRefreshMs ?? 3_000);
  const stopGraceMs = positive('stopGraceMs', props.stopGraceMs ?? 10_000);
  await mkdir(home, { recursive: true });
  const claim = await claimHome(home);
  if (claim.replacedStale) {
    const stale = claim.replacedStale;
    log.info(
      stale === 'unreadable'
        ? 'removed an unreadable engine.pid'
        : `removed the stale engine.pid of pid ${stale.pid} (started ${stale.started}), which is no longer running`,
    );
  }
  let backend: ReturnType<typeof openLocalBackend> | undefined;
  try {
    backend = openLocalBackend(home);
    const bus = new KvEventLog({
      kv: backend.kv,
      ...(props.eventPollMs ? { pollMs: props.eventPollMs } : {}),
      onError: (error) => log.error(`event handling failed: ${errorMessage(error)}`),
    });
    const engine = createEngine(backend, {
      scratchDir: join(home, 'scratch'),
      bus,
      ...(props.hostIsolation ? { hostIsolation: props.hostIsolation } : {}),
    });
    const ingestRoot = join(home, 'ingest');
    const ingest = new IngestFolder({ root: ingestRoot, versioning: engine.versioning, log });
    const cron = new CronTicker({ pipelines: engine.pipelines, versioning: engine.versioning, log });
    const unsubscribeJobLog = bus.subscribe(jobReporter(engine, log));
    log.info(
      `local engine up on ${home} (pid ${process.pid}); drop files into ${join(ingestRoot, '<repo>', '<branch>')}/ to commit them`,
    );

    const openedBackend = backend;
    const stopped = (async () => {
      let nextRefresh = 0;
      await Promise.all([
        repeat(pollMs, signal, log, 'ingest scan', () => ingest.scan()),
        repeat(CRON_RESOLUTION_MS, signal, log, 'cron', async () => {
          if (Date.now() >= nextRefresh) {
            nextRefresh = Date.now() + pipelineRefreshMs;
            await cron.refresh();
          }
          await cron.fireDue();
        }),
      ]);
      log.info('stopping the local engine: finishing running jobs…');
      try {
        const drained = await settlesWithin(engine.idle(), stopGraceMs);
        unsubscribeJobLog();
        await engine.close();
        if (!drained) await killRunningJobs(engine, log);
        await engine.idle();
        bus.close();
      } finally {
        openedBackend.close();
        await claim.release();
      }
      log.info('local engine stopped');
    })();
    return { home, owner: claim.owner, engine, ingest, cron, stopped };
  } catch (error) {
    backend?.close();
    await claim.release();
    throw error;
  }
}

/** Logs each job as its output commit finishes. */
function jobReporter(engine: Engine, log: DaemonLog): EventHandler {
  return async (event) => {
    const job = await engine.pipelines.jobs.findJob(event.repo, event.commitSet);
    if (!job || job.outputCommit !== event.commit) return;
    const { processed, skipped, failed, recovered, total } = job.counts;
    const line =
      `job ${job.pipeline}@${job.commitSet} ${job.state}: ${total} datum(s), ${processed} processed, ` +
      `${skipped} skipped, ${failed} failed, ${recovered} recovered${job.reason ? ` (${job.reason})` : ''}`;
    if (job.state === 'success') log.info(line);
    else log.error(line);
  };
}

async function killRunningJobs(engine: Engine, log: DaemonLog): Promise<void> {
  const reason = 'the local engine was stopped';
  for (const job of await engine.pipelines.listJobs()) {
    if (terminalJobStates.has(job.state)) continue;
    if (engine.pipelines.dispatcher.stop(job.pipeline, job.commitSet, reason)) {
      log.error(`killed job ${job.pipeline}@${job.commitSet}: ${reason}`);
    }
  }
}

/** Runs `work`, then waits `intervalMs`, until the signal aborts; a failed round is logged. */
async function repeat(
  intervalMs: number,
  signal: AbortSignal,
  log: DaemonLog,
  what: string,
  work: () => Promise<unknown>,
): Promise<void> {
  while (!signal.aborted) {
    try {
      await work();
    } catch (error) {
      log.error(`${what} failed (retrying): ${errorMessage(error)}`);
    }
    await sleep(intervalMs, undefined, { signal }).catch(() => {});
  }
}

/** True when `work` settled within `ms`. */
async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  const timer = new AbortController();
  const timedOut = sleep(ms, false, { signal: timer.signal }).catch(() => false);
  const done = work.then(
    () => true,
    () => true,
  );
  const result = await Promise.race([done, timedOut]);
  timer.abort();
  return result;
}

function positive(name: string, value: number): number {
  if (!(Number.isFinite(value) && value > 0)) {
    throw new RangeError(`runLocalDaemon: ${name} must be a positive number of milliseconds; got ${value}`);
  }
  return value;
}
