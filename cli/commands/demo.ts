/**
 * `strata demo`: a short narrated walk-through on the embedded backend, in a fresh temporary
 * store. Each step calls the service directly and prints the `strata` command that does the same,
 * so a user can repeat it by hand. `strata demo` runs the pipeline tour (pipelines/examples/support-triage);
 * `strata demo versioning` this one.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { CommitInfo, FileSource, VersioningApi } from '../../versioning/api.ts';
import { InvalidArgumentError } from '../../versioning/errors.ts';
import { parseBranchName, parseFilePath, parseRepoName } from '../../versioning/ids.ts';
import type { CommitRef } from '../../versioning/refs.ts';
import { withService } from '../backend.ts';
import { humanBytes, plural, relativeTime, writeLine, writeTable } from '../format.ts';
import { withExample } from '../program.ts';

const repo = parseRepoName('weather');
const master = parseBranchName('master');
const cleanup = parseBranchName('cleanup');
const onBranch = (branch: typeof master): CommitRef => ({
  repo,
  base: { kind: 'branch', branch },
  ancestors: 0,
});

const STATIONS = ['zurich', 'basel', 'geneva', 'bern', 'lugano', 'chur', 'sion', 'davos', 'luzern', 'thun'];

/**
 * A month of hourly readings from ten stations (about half a MiB, several chunks); `fixed`
 * corrects one bad row, as a data cleanup would, so only the chunk around it changes.
 */
function readingsCsv(month: string, fixed = false): string {
  const rows = ['time,station,temp_c,humidity'];
  for (let hour = 0; hour < 24 * 28; hour += 1) {
    const day = String(1 + Math.floor(hour / 24)).padStart(2, '0');
    const time = `${month}-${day}T${String(hour % 24).padStart(2, '0')}:00Z`;
    for (const [index, station] of STATIONS.entries()) {
      const bad = hour === 300 && index === 3 && !fixed;
      const temp = bad ? '999.0' : (5 + index / 2 + 8 * Math.sin(hour / 3.8)).toFixed(1);
      rows.push(`${time},${station},${temp},${60 + ((hour + index) % 30)}`);
    }
  }
  return `${rows.join('\n')}\n`;
}

function step(command: string, note: string): void {
  writeLine();
  writeLine(`# ${note}`);
  writeLine(`$ ${command}`);
}

function sources(files: Readonly<Record<string, Uint8Array>>): FileSource[] {
  return Object.entries(files).map(([path, bytes]) => ({
    path: parseFilePath(path),
    size: bytes.length,
    async *open() {
      yield bytes;
    },
  }));
}

async function runDemo(service: VersioningApi, inputs: string): Promise<void> {
  step(
    `strata create repo ${repo} -d "hourly weather readings"`,
    'A repo is a named, versioned set of files.',
  );
  await service.createRepo(repo, { description: 'hourly weather readings' });
  writeLine(`created repo ${repo}`);

  const files: Record<string, Uint8Array> = {
    '/readings/2024-01.csv': Buffer.from(readingsCsv('2024-01')),
    '/readings/2024-02.csv': Buffer.from(readingsCsv('2024-02')),
    '/models/forecast.bin': randomBytes(512 * 1024),
  };
  for (const [path, bytes] of Object.entries(files)) {
    await mkdir(join(inputs, path, '..'), { recursive: true });
    await writeFile(join(inputs, path), bytes);
  }
  step(
    `strata put file ${repo}@master -r -f ${inputs}`,
    'Put two CSV files and a binary blob: one commit on master.',
  );
  const first = await service.putFiles(onBranch(master), sources(files));
  writeLine(`put ${plural(first.files, 'file')}, ${humanBytes(first.bytes)}: commit ${first.commit.id}`);

  step(
    `strata create branch ${repo}@${cleanup} --head master`,
    'Branch off: zero-copy, only a pointer is written.',
  );
  await service.createBranch({ repo, branch: cleanup }, { head: onBranch(master) });
  writeLine(`branch ${repo}@${cleanup} at ${first.commit.id}`);

  const fixed = Buffer.from(readingsCsv('2024-02', true));
  const fixedLocal = join(inputs, '..', 'fixed', '2024-02.csv');
  await mkdir(join(fixedLocal, '..'), { recursive: true });
  await writeFile(fixedLocal, fixed);
  step(
    `strata put file ${repo}@${cleanup}:/readings/2024-02.csv -f ${fixedLocal}`,
    'Fix a bad reading on the branch. Unchanged chunks are not stored again.',
  );
  const change = await service.putFiles(onBranch(cleanup), sources({ '/readings/2024-02.csv': fixed }));
  writeLine(
    `put 1 file, ${humanBytes(change.bytes)} (${humanBytes(change.newBytes)} new): commit ${change.commit.id}`,
  );

  step(`strata diff file ${repo}@${cleanup} ${repo}@master`, 'Compare the branch with master.');
  for await (const diff of service.diffFiles(
    { ...onBranch(cleanup), path: parseFilePath('/', { allowRoot: true }) },
    {
      ...onBranch(master),
      path: parseFilePath('/', { allowRoot: true }),
    },
  )) {
    const mark = diff.change === 'added' ? '+' : diff.change === 'deleted' ? '-' : '~';
    writeLine(`${mark} ${diff.path}`);
  }

  step(
    `strata revert ${repo}@${cleanup}`,
    "Changed your mind? Revert adds a commit that undoes the branch head's change.",
  );
  const reverted = await service.revert(onBranch(cleanup), { description: 'undo the fix' });
  writeLine(`new commit ${reverted.id}`);

  step(
    `strata list commit ${repo}@${cleanup}`,
    "The branch's history, newest first: nothing is ever rewritten.",
  );
  const history = await service.listCommits(repo, { branch: cleanup });
  await writeTable(
    [
      { header: 'COMMIT', value: (commit: CommitInfo) => commit.id },
      { header: 'ORIGIN', value: (commit) => commit.origin },
      { header: 'STARTED', value: (commit) => relativeTime(commit.started) },
      { header: 'FILES', value: (commit) => String(commit.fileCount ?? '-'), align: 'right' },
      {
        header: 'SIZE',
        value: (commit) => (commit.sizeBytes === null ? '-' : humanBytes(commit.sizeBytes)),
        align: 'right',
      },
      { header: 'DESCRIPTION', value: (commit) => commit.description },
    ],
    history.items,
  );
}

export function registerDemoCommand(program: Command): void {
  withExample(
    program
      .command('demo')
      .summary('A guided tour in a temporary store: pipelines (default) or versioning')
      .description(
        'A guided tour on the embedded backend, in a fresh temporary store. "pipelines" (the default): support messages are scored one datum per message, then aggregated into a report; one message is edited, exactly one datum re-runs, and the report\'s lineage is traced back to the raw input. "versioning": repos, commits, branches, diff and revert.',
      )
      .argument('[tour]', 'pipelines | versioning', 'pipelines')
      .action(async (tour: string) => {
        if (tour !== 'pipelines' && tour !== 'versioning') {
          throw new InvalidArgumentError(`unknown tour ${JSON.stringify(tour)}: use pipelines or versioning`);
        }
        const root = await mkdtemp(join(tmpdir(), 'strata-demo-'));
        const home = join(root, 'store');
        const inputs = join(root, 'files');
        if (tour === 'pipelines') {
          const { runSupportTriageDemo } = await import('../demo/support-triage.ts');
          await runSupportTriageDemo({ home, workDir: inputs, log: (line) => writeLine(line) });
          writeLine(`Remove it with: rm -r ${root}`);
          return;
        }
        writeLine(`Strata demo, on the embedded backend in ${home}`);
        writeLine('Each step shows the strata command that does the same thing by hand.');
        await withService((service) => runDemo(service, inputs), home);
        writeLine();
        writeLine(`Done. Explore with: STRATA_HOME=${home} strata list file ${repo}@master:/readings`);
        writeLine(`Remove it with: rm -r ${root}`);
      }),
    'strata demo',
    'strata demo versioning',
  );
}
