/**
 * An input repo of one small file per datum and a `cp` pipeline over glob `/*`: the first job,
 * then a re-run after every `changeEvery`-th file changed. Both outputs are checked against
 * what a from-scratch run must produce: `cp` copies each file, so the expected output is the
 * input tree itself (same paths, sizes and content hashes).
 */
import { parseRepoName } from '../../versioning/ids.ts';
import { parseCommitRef, parseFileRef } from '../../versioning/refs.ts';
import {
  compareListings,
  datumFilePath,
  jobTiming,
  openBenchEngine,
  ranDatums,
  textFile,
  treeListing,
} from './pipeline-engine.ts';
import { IncrementalInput, IncrementalOutput } from './pipeline-protocol.ts';
import { peakRss, printOutput, workerInput } from './protocol.ts';

const input = workerInput(IncrementalInput);
const bench = openBenchEngine(input.home);
const { versioning, pipelines } = bench.engine;
try {
  const repo = parseRepoName('words');
  const pipeline = parseRepoName('copy');
  await versioning.createRepo(repo);
  const putStarted = performance.now();
  const files = Array.from({ length: input.datums }, (_, i) =>
    textFile(datumFilePath(i), `datum ${i} of the incremental benchmark\n`),
  );
  const base = await versioning.putFiles(parseCommitRef(`${repo}@master`), files);
  const putSeconds = (performance.now() - putStarted) / 1000;

  await pipelines.createPipeline(
    JSON.stringify({
      pipeline: { name: pipeline },
      input: { pfs: { repo, glob: '/*' } },
      transform: { cmd: ['cp', '-r', `/pfs/${repo}/.`, '/pfs/out/'] },
      parallelism_spec: { constant: input.parallelism },
    }),
    'copy.json',
  );
  await bench.engine.idle();
  const [first] = await pipelines.listJobs({ pipeline });
  if (first?.state !== 'success' || !first.outputCommit) {
    throw new Error(`the first job did not succeed: ${first?.state ?? 'no job'} ${first?.reason ?? ''}`);
  }
  const peakRssAfterFirstJobBytes = await peakRss();

  const changedFiles = [];
  for (let i = 0; i < input.datums; i += input.changeEvery) {
    changedFiles.push(textFile(datumFilePath(i), `datum ${i} of the incremental benchmark, changed\n`));
  }
  const change = await versioning.putFiles(parseCommitRef(`${repo}@master`), changedFiles);
  const changed = performance.now();
  await bench.engine.idle();
  const rerunWallMs = performance.now() - changed;
  const rerun = await pipelines.inspectJob(pipeline, change.commit.globalId);
  if (rerun.state !== 'success' || !rerun.outputCommit) {
    throw new Error(`the re-run did not succeed: ${rerun.state} ${rerun.reason ?? ''}`);
  }

  const firstOutput = compareListings(
    await treeListing(versioning, pipeline, first.outputCommit),
    await treeListing(versioning, repo, base.commit.id),
  );
  const rerunOutput = compareListings(
    await treeListing(versioning, pipeline, rerun.outputCommit),
    await treeListing(versioning, repo, change.commit.id),
  );
  let outputChanges = 0;
  const outputRoot = (commit: string) => parseFileRef(`${pipeline}@${commit}:/`, { allowRoot: true });
  for await (const _ of versioning.diffFiles(
    outputRoot(rerun.outputCommit),
    outputRoot(first.outputCommit),
  )) {
    outputChanges++;
  }

  printOutput(IncrementalOutput, {
    mode: (await ranDatums(bench, pipeline, rerun.commitSet)).mode,
    datums: input.datums,
    changed: changedFiles.length,
    putSeconds,
    first: jobTiming(first, bench.phases),
    rerun: jobTiming(rerun, bench.phases),
    rerunWallMs,
    firstOutput,
    rerunOutput,
    outputChanges,
    peakRssAfterFirstJobBytes,
  });
} finally {
  await bench.close();
}
