/**
 * What a scenario is given and what it gives back. A scenario records rows — one measured value
 * of one system — and a verdict against the product's target where there is one. A peer that is
 * not installed is recorded as 'absent', never estimated.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Sizes } from './options.ts';

export type Verdict = 'pass' | 'miss' | 'info' | 'absent' | 'error';

export type Unit = 'MB/s' | 'MB' | 'MiB' | 's' | 'ms' | 'x' | 'files/s' | 'per 1k files' | 'count' | '';

export interface ResultRow {
  readonly scenario: string;
  readonly system: string;
  readonly metric: string;
  readonly value: number | null;
  readonly unit: Unit;
  /** The product's target in words ('≥ 2× restic'), or null for a figure reported for information. */
  readonly target: string | null;
  readonly verdict: Verdict;
  readonly note?: string;
}

export interface InstalledPeer {
  readonly installed: true;
  readonly path: string;
  readonly version: string;
}

export type Peer = InstalledPeer | { readonly installed: false };

export interface Peers {
  readonly restic: Peer;
  readonly git: Peer;
}

export type RowInput = Omit<ResultRow, 'scenario'>;

export interface BenchContext {
  readonly sizes: Sizes;
  /** Where generated input data lives; shared by every system. */
  readonly dataDir: string;
  readonly peers: Peers;
  /** Records a row of the current scenario. */
  record(row: RowInput): void;
  /** Raw measurements kept in the JSON results, under the scenario's name. */
  detail(key: string, value: unknown): void;
  log(message: string): void;
  /** A new empty folder for one system's store. */
  freshDir(name: string): Promise<string>;
  /** A path for GNU time's report of one run. */
  timeFile(): string;
  /** Runs `make` once per bench run and shares its result between scenarios. */
  fixture<T>(name: string, make: () => Promise<T>): Promise<T>;
}

export interface Scenario {
  readonly name: string;
  /** One line for the README and the log. */
  readonly summary: string;
  run(ctx: BenchContext): Promise<void>;
}

export function atMost(value: number, limit: number): Verdict {
  return value <= limit ? 'pass' : 'miss';
}

export function atLeast(value: number, limit: number): Verdict {
  return value >= limit ? 'pass' : 'miss';
}

export const MB = 1e6;
export const MiB = 1024 * 1024;

/** Creates `name` under `root`, adding a counter when that name was handed out already. */
export async function makeFreshDir(root: string, name: string, taken: Set<string>): Promise<string> {
  let candidate = name;
  for (let n = 2; taken.has(candidate); n++) candidate = `${name}-${n}`;
  taken.add(candidate);
  const path = join(root, candidate);
  await mkdir(path, { recursive: true });
  return path;
}

/** One system's result, or why it has none; a failing system does not stop its peers' runs. */
export type Outcome<T> =
  | { readonly status: 'ok'; readonly value: T }
  | { readonly status: 'error'; readonly error: string }
  | { readonly status: 'absent' };

export async function attempt<T>(work: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { status: 'ok', value: await work() };
  } catch (error) {
    return { status: 'error', error: error instanceof Error ? error.message : String(error) };
  }
}

/** Records why a system has no figures: not installed, or failed (with its message). */
export function recordMissing(ctx: BenchContext, system: string, outcome: Outcome<unknown>): void {
  if (outcome.status === 'absent') {
    ctx.record({
      system,
      metric: '-',
      value: null,
      unit: '',
      target: null,
      verdict: 'absent',
      note: 'not on PATH',
    });
  } else if (outcome.status === 'error') {
    ctx.record({
      system,
      metric: 'run',
      value: null,
      unit: '',
      target: null,
      verdict: 'error',
      note: outcome.error,
    });
  }
}

/** Records a figure that has no target of its own. */
export function recordInfo(
  ctx: BenchContext,
  system: string,
  metric: string,
  value: number,
  unit: Unit,
  note?: string,
): void {
  ctx.record({
    system,
    metric,
    value,
    unit,
    target: null,
    verdict: 'info',
    ...(note === undefined ? {} : { note }),
  });
}

/**
 * The row judging Strata against a peer by the ratio of their figures; 'absent' when the peer is
 * not installed, nothing when either system failed (their own rows say why).
 */
export function recordRatio(
  ctx: BenchContext,
  row: { readonly system: string; readonly metric: string; readonly target: string },
  peer: { readonly name: string; readonly outcome: Outcome<unknown> },
  ratio: number | undefined,
  passes: (ratio: number) => boolean,
): void {
  if (ratio !== undefined) {
    ctx.record({ ...row, value: ratio, unit: 'x', verdict: passes(ratio) ? 'pass' : 'miss' });
  } else if (peer.outcome.status === 'absent') {
    ctx.record({ ...row, value: null, unit: 'x', verdict: 'absent', note: `${peer.name} not installed` });
  }
}
