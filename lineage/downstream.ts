/**
 * Downstream lineage: the commits of a commit's own commit set that were computed from it,
 * found through the set's membership index and each member's provenance. See index.ts.
 */
import type { CommitId, RepoName } from '../versioning/ids.ts';
import { commitSetMembers } from './commit-set.ts';
import {
  commitKey,
  commitRef,
  depthOption,
  distinctCommits,
  inspectStart,
  ProducerLookup,
} from './graph-reads.ts';
import type { DownstreamCommit, LineageDeps, TraceOptions } from './model.ts';
import { type ProvenanceRecord, readProvenance } from './provenance.ts';

interface ComputedCommit {
  readonly repo: RepoName;
  readonly commit: CommitId;
  readonly provenance: ProvenanceRecord;
}

/** Every commit of the same commit set computed from `ref`, breadth-first from it. */
export async function downstream(
  deps: LineageDeps,
  ref: { readonly repo: RepoName; readonly commit: CommitId },
  options: TraceOptions = {},
): Promise<DownstreamCommit[]> {
  const maxDepth = depthOption(options);
  const start = await inspectStart(deps, ref);
  const producers = new ProducerLookup(deps.kv);
  // Edges of the set: input commit → the members computed from it.
  const computedFrom = new Map<string, ComputedCommit[]>();
  for (const member of await commitSetMembers(deps.kv, start.globalId)) {
    const provenance = await readProvenance(deps.kv, member.repo, member.commit);
    if (!provenance) continue;
    const computed = { ...member, provenance };
    for (const input of new Set(provenance.inputs.map((i) => commitKey(i.repo, i.commit)))) {
      const list = computedFrom.get(input);
      if (list) list.push(computed);
      else computedFrom.set(input, [computed]);
    }
  }

  const reached = new Map<string, { member: ComputedCommit; depth: number }>();
  const startKey = commitKey(ref.repo, ref.commit);
  const seen = new Set([startKey]);
  let frontier = [startKey];
  for (let depth = 1; depth <= maxDepth && frontier.length > 0; depth++) {
    const next: string[] = [];
    for (const key of frontier) {
      for (const member of computedFrom.get(key) ?? []) {
        const memberKey = commitKey(member.repo, member.commit);
        if (seen.has(memberKey)) continue; // reached already, or a cycle back to the start
        seen.add(memberKey);
        reached.set(memberKey, { member, depth });
        next.push(memberKey);
      }
    }
    frontier = next;
  }

  const steps: DownstreamCommit[] = [];
  for (const { member, depth } of reached.values()) {
    const info = await deps.versioning.inspectCommit(commitRef(member.repo, member.commit));
    const from = distinctCommits(member.provenance.inputs).filter((input) =>
      seen.has(commitKey(input.repo, input.commit)),
    );
    steps.push({
      repo: member.repo,
      commit: member.commit,
      state: info.state,
      producer: await producers.of(member.provenance),
      from,
      depth,
    });
  }
  return steps;
}
