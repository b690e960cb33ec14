/**
 * Builds the many-file repo of commit-1m and diff-1m on the local backend: one commit of
 * `files` small files generated in memory, then one commit rewriting `changed` of them.
 * Times each putFiles call and counts the requests each made.
 */
import { openLocalBackend } from '../../adapters/local/index.ts';
import { parseRepoName } from '../../versioning/ids.ts';
import { parseCommitRef } from '../../versioning/refs.ts';
import { VersioningService } from '../../versioning/service.ts';
import { CountingKvStore, CountingObjectStore, emptyCounts } from '../harness/counting-stores.ts';
import { changedIndexes } from '../harness/data.ts';
import { BuildInput, BuildOutput, peakRss, printOutput, workerInput } from './protocol.ts';
import { manyFileSources, range } from './sources.ts';

const input = workerInput(BuildInput);
const backend = openLocalBackend(input.home);
try {
  const commitRequests = emptyCounts();
  const changeRequests = emptyCounts();
  const counted = (counts: typeof commitRequests) =>
    new VersioningService({
      objects: new CountingObjectStore(backend.objects, counts),
      kv: new CountingKvStore(backend.kv, counts),
    });
  const repo = parseRepoName('bench');
  const master = parseCommitRef('bench@master');
  await new VersioningService(backend).createRepo(repo);

  let started = performance.now();
  const first = await counted(commitRequests).putFiles(
    master,
    manyFileSources(range(input.files), 1, input.seed),
  );
  const commitSeconds = (performance.now() - started) / 1000;
  const peakRssAfterCommitBytes = await peakRss();

  started = performance.now();
  const changed = changedIndexes(input.files, input.changed);
  const second = await counted(changeRequests).putFiles(master, manyFileSources(changed, 2, input.seed));
  const changeSeconds = (performance.now() - started) / 1000;

  printOutput(BuildOutput, {
    repo,
    firstCommit: first.commit.id,
    secondCommit: second.commit.id,
    files: first.files,
    commitSeconds,
    changeSeconds,
    peakRssAfterCommitBytes,
    commitRequests,
    changeRequests,
  });
} finally {
  backend.close();
}
