/**
 * Cron ticks for pipelines' cron inputs, as Pachyderm makes them: at each tick of the input's
 * schedule, one commit to its tick repo's `master` adds a file named by the tick's time (RFC 3339
 * in UTC, e.g. `/2025-01-01T12:00:00Z`) holding that time; with `overwrite`, the same commit
 * deletes the earlier tick files, so the repo only ever holds the latest tick.
 *
 * Rules:
 * - Only running pipelines tick. `refresh()` re-reads the pipelines, so new, updated, stopped and
 *   deleted pipelines are followed; a tick repo named by two pipelines ticks once, on the
 *   schedule of the first.
 * - A schedule counts from the newest commit on the tick branch (when it started), else from the
 *   pipeline's creation. Ticks missed while no engine ran, or while an earlier tick was being
 *   written, collapse into one tick, written at once and named by the first missed time.
 * - A tick that cannot be written (someone holds an open commit on the tick branch, the repo was
 *   deleted) is logged and skipped; the next one is scheduled as usual.
 */
import type { PipelineService } from '../../../pipelines/service.ts';
import {
  type CronInput,
  type CronSchedule,
  type PipelineInput,
  parseCronSchedule,
} from '../../../pipelines/spec/index.ts';
import { NotFoundError } from '../../../versioning/errors.ts';
import { type CommitId, parseBranchName, parseFilePath, type RepoName } from '../../../versioning/ids.ts';
import type { CommitRef } from '../../../versioning/refs.ts';
import type { VersioningService } from '../../../versioning/service.ts';
import { type DaemonLog, errorMessage, ProblemReporter } from './daemon-log.ts';

/** Cron inputs read the tick repo's master, as in Pachyderm (see pipelines/datums/input-tree.ts). */
const TICK_BRANCH = parseBranchName('master');
const ROOT = parseFilePath('/', { allowRoot: true });

export interface CronTickerProps {
  readonly pipelines: PipelineService;
  readonly versioning: VersioningService;
  readonly log: DaemonLog;
  /** @default - the system clock */
  readonly now?: () => Date;
}

/** One tick written. */
export interface CronTick {
  readonly pipeline: RepoName;
  readonly repo: RepoName;
  readonly time: Date;
  readonly commit: CommitId;
}

interface TickSchedule {
  readonly pipeline: RepoName;
  readonly input: CronInput;
  readonly schedule: CronSchedule;
  next: Date;
}

export class CronTicker {
  readonly #props: CronTickerProps;
  readonly #now: () => Date;
  readonly #problems: ProblemReporter;
  /** By tick repo. */
  readonly #schedules = new Map<RepoName, TickSchedule>();

  constructor(props: CronTickerProps) {
    this.#props = props;
    this.#now = props.now ?? (() => new Date());
    this.#problems = new ProblemReporter(props.log);
  }

  /** The next tick of every tick repo followed. */
  get nextTicks(): ReadonlyMap<RepoName, Date> {
    return new Map([...this.#schedules].map(([repo, entry]) => [repo, entry.next]));
  }

  /** Re-reads the pipelines: starts, changes and stops schedules to match their cron inputs. */
  async refresh(): Promise<void> {
    const { pipelines, log } = this.#props;
    const wanted = new Map<RepoName, { pipeline: RepoName; created: string; input: CronInput }>();
    for (const record of await pipelines.jobs.listPipelines()) {
      if (record.state !== 'running') continue;
      let input: PipelineInput;
      try {
        input = pipelines.registry.parse(record).input;
      } catch (error) {
        this.#problems.report(
          `cron: pipeline ${record.name} has a spec that no longer parses: ${errorMessage(error)}`,
        );
        continue;
      }
      for (const cron of cronInputs(input)) {
        if (!wanted.has(cron.repo))
          wanted.set(cron.repo, { pipeline: record.name, created: record.created, input: cron });
      }
    }
    this.#problems.endScan();
    for (const [repo, entry] of this.#schedules) {
      if (!wanted.has(repo)) {
        this.#schedules.delete(repo);
        log.info(`cron: ${repo} stops ticking (pipeline ${entry.pipeline} was stopped, changed or deleted)`);
      }
    }
    for (const [repo, { pipeline, created, input }] of wanted) {
      const current = this.#schedules.get(repo);
      if (current?.pipeline === pipeline && sameCron(current.input, input)) continue;
      const schedule = parseCronSchedule(input.spec);
      const since = (await this.#lastTickStart(repo)) ?? new Date(created);
      const next = schedule.next(since);
      this.#schedules.set(repo, { pipeline, input, schedule, next });
      log.info(
        `cron: pipeline ${pipeline} input ${JSON.stringify(input.name)} (${JSON.stringify(input.spec)}${input.overwrite ? ', overwrite' : ''}) ticks into ${repo}@${TICK_BRANCH}; next tick ${next.toISOString()}`,
      );
    }
  }

  /** Writes every tick that is due, and schedules the next ones. */
  async fireDue(): Promise<CronTick[]> {
    const written: CronTick[] = [];
    for (const [repo, entry] of this.#schedules) {
      const time = entry.next;
      if (time > this.#now()) continue;
      try {
        const commit = await this.#writeTick(entry, time);
        written.push({ pipeline: entry.pipeline, repo, time, commit });
        this.#props.log.info(
          `cron: tick ${tickName(time)} of pipeline ${entry.pipeline} → ${repo}@${commit}`,
        );
      } catch (error) {
        this.#props.log.error(
          `cron: skipped tick ${tickName(time)} of pipeline ${entry.pipeline}: could not commit to ${repo}@${TICK_BRANCH}: ${errorMessage(error)}`,
        );
      }
      const now = this.#now();
      const next = entry.schedule.next(time);
      entry.next = next > now ? next : entry.schedule.next(now);
    }
    return written;
  }

  async #writeTick(entry: TickSchedule, time: Date): Promise<CommitId> {
    const { versioning } = this.#props;
    const { repo } = entry.input;
    const opened = await versioning.startCommit(
      { repo, branch: TICK_BRANCH },
      { origin: 'auto', description: `cron tick ${tickName(time)} of pipeline ${entry.pipeline}` },
    );
    const ref: CommitRef = { repo, base: { kind: 'commit', commit: opened.id }, ancestors: 0 };
    try {
      if (entry.input.overwrite && opened.parent !== null) {
        const earlier = [];
        for await (const file of versioning.listFiles({ ...ref, path: ROOT })) earlier.push(file.path);
        if (earlier.length > 0) await versioning.deleteFiles(ref, earlier);
      }
      const bytes = new TextEncoder().encode(`${time.toISOString()}\n`);
      await versioning.putFiles(ref, [
        {
          path: parseFilePath(tickName(time)),
          size: bytes.length,
          async *open() {
            yield bytes;
          },
        },
      ]);
      return (await versioning.finishCommit(ref)).id;
    } catch (error) {
      await versioning.dropCommit(ref).catch(() => {});
      throw error;
    }
  }

  async #lastTickStart(repo: RepoName): Promise<Date | undefined> {
    try {
      const head = await this.#props.versioning.inspectCommit({
        repo,
        base: { kind: 'branch', branch: TICK_BRANCH },
        ancestors: 0,
      });
      return new Date(head.started);
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
  }
}

/** A tick file's name: its time in RFC 3339, to the second, in UTC (`2025-01-01T12:00:00Z`). */
export function tickName(time: Date): string {
  return time.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function cronInputs(input: PipelineInput): CronInput[] {
  if (input.kind === 'cron') return [input];
  if (input.kind === 'pfs') return [];
  return input.inputs.flatMap(cronInputs);
}

function sameCron(a: CronInput, b: CronInput): boolean {
  return a.name === b.name && a.spec === b.spec && a.overwrite === b.overwrite;
}
