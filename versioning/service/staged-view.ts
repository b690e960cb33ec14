/**
 * The tree of an open commit's staged writes, remembered per commit (`view/<repo>/<id>` in the KV
 * store) with the staged delta it was built from. Reading an open commit again with nothing new
 * staged re-uses that tree instead of building it again — which would store a new node pack on
 * every read — and finishing the commit re-uses the tree of its last read.
 */

import { kvKeys } from '../graph/keys.ts';
import type { CommitRecord } from '../graph/records.ts';
import { decodeRecord, encodeRecord, viewRecord } from '../graph/records.ts';
import type { KvStore } from '../ports.ts';
import type { TreeSummary } from '../tree/index.ts';

/**
 * The tree of the staged state ending at delta `last`: remembered, or built by `build` (and
 * remembered when `remember`). `remembered` says whether the commit had a record (to forget).
 */
export async function stagedTree(
  kv: KvStore,
  commit: CommitRecord,
  last: string,
  build: () => Promise<TreeSummary>,
  options: { remember: boolean },
): Promise<{ summary: TreeSummary; remembered: boolean }> {
  const key = kvKeys.view(commit.repo, commit.id);
  const item = await kv.get(key);
  const record = item !== undefined ? decodeRecord(viewRecord, key, item.value) : undefined;
  if (record?.last === last) {
    const summary = { root: record.root, fileCount: record.fileCount, totalBytes: record.totalBytes };
    return { summary, remembered: true };
  }
  const summary = await build();
  if (options.remember) {
    const value = encodeRecord({ last, ...summary });
    // A lost race leaves another reader's tree remembered: as good, it names its own delta.
    if (item === undefined) await kv.putIfAbsent(key, value);
    else await kv.compareAndSet(key, item.version, value);
  }
  return { summary, remembered: item !== undefined };
}

/** Forgets the remembered tree of a commit that is no longer open. */
export async function forgetStagedTree(kv: KvStore, commit: CommitRecord): Promise<void> {
  await kv.delete(kvKeys.view(commit.repo, commit.id));
}
