/**
 * Times diffFiles between two commits of the many-file repo, against listing both trees fully
 * with walkFiles. The first diff runs before anything else in this process, as in a `strata
 * diff` command. Every later call gets a new service, so its node cache starts empty: the warm
 * diffs show the cost once the code is compiled and loaded, not the cost of reading from memory.
 */
import { openLocalBackend } from '../../adapters/local/index.ts';
import type { FileRef } from '../../versioning/refs.ts';
import { parseFileRef } from '../../versioning/refs.ts';
import { VersioningService } from '../../versioning/service.ts';
import { CountingObjectStore, emptyCounts, type RequestCounts } from '../harness/counting-stores.ts';
import { DiffInput, DiffOutput, printOutput, workerInput } from './protocol.ts';

const input = workerInput(DiffInput);
const backend = openLocalBackend(input.home);
try {
  const rootOf = (commit: string): FileRef => parseFileRef(`${input.repo}@${commit}:/`, { allowRoot: true });
  const before = rootOf(input.before);
  const after = rootOf(input.after);

  /** A service with an empty node cache, counting the objects it reads. */
  const freshService = (counts: RequestCounts) =>
    new VersioningService({ objects: new CountingObjectStore(backend.objects, counts), kv: backend.kv });

  const timeDiff = async (): Promise<{ ms: number; changes: number; objectsRead: number }> => {
    const counts = emptyCounts();
    const service = freshService(counts);
    const started = performance.now();
    let changes = 0;
    for await (const _ of service.diffFiles(after, before)) changes++;
    return { ms: performance.now() - started, changes, objectsRead: counts.objectGets };
  };

  const first = await timeDiff();

  const walkCounts = emptyCounts();
  const service = freshService(walkCounts);
  const started = performance.now();
  let walked = 0;
  for (const root of [before, after]) {
    for await (const _ of service.walkFiles(root)) walked++;
  }
  const walkBothMs = performance.now() - started;

  const warmDiffMs: number[] = [];
  for (let i = 0; i < input.warmRepeats; i++) warmDiffMs.push((await timeDiff()).ms);

  printOutput(DiffOutput, {
    firstDiffMs: first.ms,
    warmDiffMs,
    changes: first.changes,
    diffObjectsRead: first.objectsRead,
    walkBothMs,
    walked,
    walkObjectsRead: walkCounts.objectGets,
  });
} finally {
  backend.close();
}
