/**
 * Puts the small-files tree of small-files-20k, generated in memory, through the service on the
 * memory stores and reports the requests it made: what the AWS backend would be billed.
 */
import { MemoryKvStore, MemoryObjectStore } from '../../adapters/memory/index.ts';
import { parseRepoName } from '../../versioning/ids.ts';
import { parseCommitRef } from '../../versioning/refs.ts';
import { VersioningService } from '../../versioning/service.ts';
import { CountingKvStore, CountingObjectStore, emptyCounts } from '../harness/counting-stores.ts';
import { smallFiles } from '../harness/data.ts';
import { printOutput, RequestsInput, RequestsOutput, workerInput } from './protocol.ts';
import { generatedSources } from './sources.ts';

const input = workerInput(RequestsInput);
const objects = new MemoryObjectStore();
const kv = new MemoryKvStore();
await new VersioningService({ objects, kv }).createRepo(parseRepoName('bench'));
objects.resetStats();
kv.resetStats();

const requests = emptyCounts();
const service = new VersioningService({
  objects: new CountingObjectStore(objects, requests),
  kv: new CountingKvStore(kv, requests),
});
const started = performance.now();
const result = await service.putFiles(
  parseCommitRef('bench@master'),
  generatedSources(smallFiles(input.files, input.folders, input.seed)),
);
const seconds = (performance.now() - started) / 1000;

printOutput(RequestsOutput, {
  files: result.files,
  bytes: result.bytes,
  seconds,
  requests,
  memoryStats: { objects: { ...objects.stats }, kv: { ...kv.stats } },
});
