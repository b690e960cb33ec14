/**
 * `npm run bench`: every scenario in bench/scenarios/, Strata and its peers side by side on the
 * same generated data, one process per system so that each peak RSS is its own. Prints a table
 * and saves the full results as JSON under bench/results/. See bench/README.md.
 */
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BenchContext, makeFreshDir, type ResultRow, type Scenario } from './harness/context.ts';
import { FULL_SIZES, parseOptions, QUICK_SIZES, usage } from './harness/options.ts';
import { detectPeers } from './harness/peers.ts';
import { GNU_TIME, hasGnuTime } from './harness/process.ts';
import { saveResults } from './harness/results.ts';
import { formatTable } from './harness/table.ts';
import { SCENARIOS } from './scenarios/index.ts';

const names = SCENARIOS.map((scenario) => scenario.name);
const options = (() => {
  try {
    return parseOptions(process.argv.slice(2), names);
  } catch (error) {
    process.stderr.write(
      `bench: ${error instanceof Error ? error.message : String(error)}\n\n${usage(names)}`,
    );
    process.exit(2);
  }
})();
if (options.help) {
  process.stdout.write(usage(names));
  process.exit(0);
}
if (!hasGnuTime()) {
  process.stderr.write(
    `bench: ${GNU_TIME} (GNU time) measures peak RSS and is missing; install it (Debian: time)\n`,
  );
  process.exit(2);
}

const started = new Date();
const sizes = options.quick ? QUICK_SIZES : FULL_SIZES;
const root = await mkdtemp(join(tmpdir(), 'strata-bench-'));
const dataDir = join(root, 'data');
const storesDir = join(root, 'stores');
await mkdir(dataDir);
await mkdir(storesDir);
const removeRoot = () => rmSync(root, { recursive: true, force: true });
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (!options.keep) removeRoot();
    process.exit(130);
  });
}

const log = (message: string) => {
  const seconds = ((Date.now() - started.getTime()) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[${seconds} s] ${message}\n`);
};

const loadAtStart = loadavg()[0] ?? 0;
if (loadAtStart > 1) {
  log(
    `load average is ${loadAtStart.toFixed(1)}: other work on this machine will slow every system down unevenly`,
  );
}
const peers = await detectPeers();
for (const [name, peer] of Object.entries(peers)) {
  log(peer.installed ? `peer ${name}: ${peer.version}` : `peer ${name}: absent (not on PATH)`);
}

const rows: ResultRow[] = [];
const details: Record<string, Record<string, unknown>> = {};
const fixtures = new Map<string, Promise<unknown>>();
const takenDirs = new Set<string>();
let timeFiles = 0;

function contextFor(scenario: Scenario): BenchContext {
  const detail: Record<string, unknown> = {};
  details[scenario.name] = detail;
  return {
    sizes,
    dataDir,
    peers,
    record: (row) => rows.push({ scenario: scenario.name, ...row }),
    detail: (key, value) => {
      detail[key] = value;
    },
    log: (message) => log(`${scenario.name}: ${message}`),
    freshDir: (name) => makeFreshDir(storesDir, name, takenDirs),
    timeFile: () => join(root, `time-${++timeFiles}.txt`),
    fixture: <T>(name: string, make: () => Promise<T>): Promise<T> => {
      let made = fixtures.get(name);
      if (made === undefined) {
        made = make();
        fixtures.set(name, made);
      }
      return made as Promise<T>;
    },
  };
}

const selected = SCENARIOS.filter(
  (scenario) => options.only.length === 0 || options.only.includes(scenario.name),
);
try {
  for (const scenario of selected) {
    log(`${scenario.name}: ${scenario.summary}`);
    try {
      await scenario.run(contextFor(scenario));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log(`${scenario.name}: failed: ${message}`);
      rows.push({
        scenario: scenario.name,
        system: '-',
        metric: 'run',
        value: null,
        unit: '',
        target: null,
        verdict: 'error',
        note: message,
      });
    }
  }
} finally {
  if (options.keep) log(`kept the data and stores in ${root}`);
  else await rm(root, { recursive: true, force: true });
}

const mode =
  `${options.quick ? 'quick' : 'full'} run: ${sizes.bigFileBytes / 2 ** 20} MiB file, ` +
  `${sizes.smallFiles.toLocaleString('en-US')} small files, ${sizes.manyFiles.toLocaleString('en-US')}-file commits`;
const load = `load average ${loadAtStart.toFixed(1)} at start, ${(loadavg()[0] ?? 0).toFixed(1)} at end`;
const took = `${((Date.now() - started.getTime()) / 1000).toFixed(0)} s`;
process.stdout.write(`\nStrata benchmarks (${mode}; ${took}; ${load})\n\n`);
process.stdout.write(`${formatTable(rows)}\n\n`);
const path = await saveResults({
  started,
  finished: new Date(),
  options,
  sizes,
  peers,
  rows,
  details,
  loadAtStart,
});
process.stdout.write(`results: ${path}\n`);
process.exitCode = rows.some((row) => row.verdict === 'error') ? 1 : 0;
