/**
 * What the pipeline workers share: the embedded engine on a fresh home (wired as
 * openLocalEngine wires it, keeping the stores at hand), small input files generated in memory,
 * where a job's time went, and a tree's listing for comparing outputs.
 *
 * A job's phases come from outside the domain: its record (created, started, finished) and the
 * local workflow engine's state events (Plan, RunUnits, Assemble entered and exited).
 */
import { join } from 'node:path';
import { createEngine, type Engine, type SettlingEventBus } from '../../adapters/local/engine.ts';
import { type LocalBackend, openLocalBackend } from '../../adapters/local/index.ts';
import type { WorkflowEvent } from '../../adapters/local/workflow-engine.ts';
import { jobDatumResults } from '../../pipelines/jobs/datum-results.ts';
import type { JobRecord } from '../../pipelines/jobs/records.ts';
import type { JobKey } from '../../pipelines/orchestrator.ts';
import type { FileSource } from '../../versioning/api.ts';
import { type CommitId, type CommitSetId, parseFilePath, type RepoName } from '../../versioning/ids.ts';
import { parseFileRef } from '../../versioning/refs.ts';
import type { VersioningService } from '../../versioning/service.ts';
import type { HostMode, JobTiming } from './pipeline-protocol.ts';

export interface BenchEngine {
  readonly engine: Engine;
  readonly backend: LocalBackend;
  readonly phases: WorkflowPhases;
  close(): Promise<void>;
}

export function openBenchEngine(
  home: string,
  options: {
    readonly hostIsolation?: 'auto' | 'host-env';
    readonly bus?: (backend: LocalBackend) => SettlingEventBus;
  } = {},
): BenchEngine {
  const backend = openLocalBackend(home);
  const phases = new WorkflowPhases();
  const engine = createEngine(backend, {
    scratchDir: join(home, 'scratch'),
    onJobEvent: (job, event) => phases.record(job, event),
    ...(options.hostIsolation ? { hostIsolation: options.hostIsolation } : {}),
    ...(options.bus ? { bus: options.bus(backend) } : {}),
  });
  return {
    engine,
    backend,
    phases,
    close: async () => {
      await engine.close();
      backend.close();
    },
  };
}

const TIMED_STATES = ['Plan', 'RunUnits', 'Assemble'] as const;
type TimedState = (typeof TIMED_STATES)[number];

/** First entry and last exit of each top-level state of each job's workflow, in epoch ms. */
export class WorkflowPhases {
  readonly #byJob = new Map<CommitSetId, Map<string, { entered: number; exited: number }>>();

  record(job: JobKey, event: WorkflowEvent): void {
    if (event.mapIndex !== undefined || event.stateName === undefined) return;
    if (event.type !== 'StateEntered' && event.type !== 'StateExited') return;
    let states = this.#byJob.get(job.job);
    if (!states) {
      states = new Map();
      this.#byJob.set(job.job, states);
    }
    const span = states.get(event.stateName) ?? { entered: event.timestamp, exited: Number.NaN };
    if (event.type === 'StateExited') span.exited = event.timestamp;
    states.set(event.stateName, span);
  }

  durationMs(job: CommitSetId, state: TimedState): number {
    const span = this.#byJob.get(job)?.get(state);
    return span ? span.exited - span.entered : Number.NaN;
  }
}

/** Milliseconds between two of a record's ISO timestamps; NaN when either is missing. */
export function msBetween(from: string | null, to: string | null): number {
  return from === null || to === null ? Number.NaN : Date.parse(to) - Date.parse(from);
}

export function jobTiming(record: JobRecord, phases: WorkflowPhases): JobTiming {
  const phase = (state: TimedState) => phases.durationMs(record.commitSet, state);
  return {
    jobMs: msBetween(record.created, record.finished),
    dispatchMs: msBetween(record.created, record.started),
    planMs: phase('Plan'),
    runUnitsMs: phase('RunUnits'),
    assembleMs: phase('Assemble'),
    counts: record.counts,
  };
}

/** The job's datums as recorded by the datums it ran: their mean duration and the host mode. */
export async function ranDatums(
  bench: BenchEngine,
  pipeline: RepoName,
  job: CommitSetId,
): Promise<{ count: number; meanDurationMs: number; mode: HostMode }> {
  let count = 0;
  let total = 0;
  const modes = new Set<string>();
  for await (const result of jobDatumResults(bench.backend.kv, pipeline, job)) {
    count++;
    total += result.durationMs;
    modes.add(result.mode);
  }
  const [mode, ...others] = [...modes];
  if ((mode !== 'bwrap' && mode !== 'host-env') || others.length > 0) {
    throw new Error(
      `job ${pipeline}@${job} ran its datums in mode(s) ${[...modes].join(', ') || '(none)'}; the bench expects one host mode`,
    );
  }
  return { count, meanDurationMs: count === 0 ? Number.NaN : total / count, mode };
}

const encoder = new TextEncoder();

/** A small file whose bytes are `text`. */
export function textFile(path: string, text: string): FileSource {
  const bytes = encoder.encode(text);
  return {
    path: parseFilePath(path),
    size: bytes.length,
    async *open() {
      yield bytes;
    },
  };
}

/** `/d000042.txt`: one file per datum, at the root, where glob `/*` makes each its own datum. */
export function datumFilePath(index: number): string {
  return `/d${String(index).padStart(6, '0')}.txt`;
}

/** Every file of a commit: path → `size:hash`. */
export async function treeListing(
  versioning: VersioningService,
  repo: RepoName,
  commit: CommitId,
): Promise<Map<string, string>> {
  const listing = new Map<string, string>();
  const root = parseFileRef(`${repo}@${commit}:/`, { allowRoot: true });
  for await (const file of versioning.walkFiles(root)) listing.set(file.path, `${file.size}:${file.hash}`);
  return listing;
}

const EXAMPLES = 5;

/** How two listings differ: paths missing on either side, or with other sizes or hashes. */
export function compareListings(
  actual: ReadonlyMap<string, string>,
  expected: ReadonlyMap<string, string>,
): { files: number; differences: number; examples: string[] } {
  const examples: string[] = [];
  let differences = 0;
  for (const path of new Set([...actual.keys(), ...expected.keys()])) {
    const got = actual.get(path);
    const want = expected.get(path);
    if (got === want) continue;
    differences++;
    if (examples.length < EXAMPLES) examples.push(`${path}: ${got ?? 'missing'} ≠ ${want ?? 'missing'}`);
  }
  return { files: actual.size, differences, examples };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
