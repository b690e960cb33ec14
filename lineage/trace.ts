/**
 * Upstream lineage: from a commit or one of its files back to the origin commits, through each
 * pipeline's provenance and, for a file, the datums that wrote it. The rules are in index.ts.
 */
import { readDatumResult, readDatumTable } from '../pipelines/jobs/datum-results.ts';
import type { CommitInfo } from '../versioning/api.ts';
import { CorruptDataError, InvalidArgumentError, NotFoundError } from '../versioning/errors.ts';
import {
  type CommitId,
  type FileHash,
  type FilePath,
  parseFileHash,
  parseFilePath,
  type RepoName,
} from '../versioning/ids.ts';
import {
  commitKey,
  commitRef,
  depthOption,
  distinctCommits,
  inspectStart,
  ProducerLookup,
} from './graph-reads.ts';
import {
  type DatumStep,
  type LineageDeps,
  type LineageNode,
  type LineageRef,
  lineageRefText,
  type TraceOptions,
} from './model.ts';
import { findOutputWriters, type WritingDatum } from './output-index.ts';
import { type ProvenanceRecord, readProvenance } from './provenance.ts';

/** The lineage of a commit or file, back to origin commits. */
export async function traceLineage(
  deps: LineageDeps,
  ref: LineageRef,
  options: TraceOptions = {},
): Promise<LineageNode> {
  const maxDepth = depthOption(options);
  const commit = await inspectStart(deps, ref);
  const hash = ref.path === undefined ? null : await startFileHash(deps, ref, ref.path);
  const walk = new UpstreamWalk(deps, maxDepth);
  return walk.visit({ repo: ref.repo, commit: ref.commit, path: ref.path ?? null, hash }, 0, commit);
}

interface Target {
  readonly repo: RepoName;
  readonly commit: CommitId;
  readonly path: FilePath | null;
  readonly hash: FileHash | null;
}

/**
 * A depth-first walk up the graph. Nodes already traced are shared (the result is a DAG when
 * several datums read the same file); a node met again while its own lineage is being traced
 * is a cycle and ends there.
 */
class UpstreamWalk {
  readonly #deps: LineageDeps;
  readonly #maxDepth: number;
  readonly #producers: ProducerLookup;
  readonly #traced = new Map<string, LineageNode>();
  readonly #inProgress = new Set<string>();

  constructor(deps: LineageDeps, maxDepth: number) {
    this.#deps = deps;
    this.#maxDepth = maxDepth;
    this.#producers = new ProducerLookup(deps.kv);
  }

  async visit(target: Target, depth: number, known?: CommitInfo): Promise<LineageNode> {
    const key = `${commitKey(target.repo, target.commit)}:${target.path ?? ''}`;
    const traced = this.#traced.get(key);
    if (traced) return traced;
    const info = known ?? (await this.#upstreamCommit(target));
    const provenance = await readProvenance(this.#deps.kv, target.repo, target.commit);
    const base: LineageNode = {
      ...target,
      state: info.state,
      globalId: info.globalId,
      origin: info.origin,
      producer: null,
      datums: [],
      inputCommits: [],
      stopped: null,
    };
    if (!provenance) {
      this.#traced.set(key, base);
      return base;
    }
    const producer = await this.#producers.of(provenance);
    // Stopped nodes are not kept, so another way to the same node may still trace it in full.
    if (this.#inProgress.has(key)) return { ...base, producer, stopped: 'cycle' };
    if (depth >= this.#maxDepth) return { ...base, producer, stopped: 'depth-limit' };
    this.#inProgress.add(key);
    try {
      const node: LineageNode =
        target.path === null
          ? { ...base, producer, inputCommits: await this.#inputCommits(provenance, depth) }
          : { ...base, producer, datums: await this.#datums(target, target.path, provenance, depth) };
      this.#traced.set(key, node);
      return node;
    } finally {
      this.#inProgress.delete(key);
    }
  }

  async #inputCommits(provenance: ProvenanceRecord, depth: number): Promise<LineageNode[]> {
    const nodes: LineageNode[] = [];
    for (const input of distinctCommits(provenance.inputs)) {
      nodes.push(await this.visit({ ...input, path: null, hash: null }, depth + 1));
    }
    return nodes;
  }

  async #datums(
    target: Target,
    path: FilePath,
    provenance: ProvenanceRecord,
    depth: number,
  ): Promise<DatumStep[]> {
    const { kv } = this.#deps;
    const { pipeline } = provenance;
    const steps: DatumStep[] = [];
    for (const writer of await this.#writers(target, path, provenance)) {
      const result = await readDatumResult(kv, pipeline, writer.source, writer.id);
      if (!result) {
        throw new CorruptDataError(
          `datum ${writer.id} of job ${pipeline}@${writer.source} wrote ${lineageRefText(target)}, but its datum result is missing`,
        );
      }
      const inputs: { name: string; file: LineageNode }[] = [];
      for (const input of result.inputs) {
        const file = storedFile(
          input.path,
          input.hash,
          `datum ${writer.id} of job ${pipeline}@${writer.source}`,
        );
        inputs.push({
          name: input.name,
          file: await this.visit({ repo: input.repo, commit: input.commit, ...file }, depth + 1),
        });
      }
      steps.push({ id: writer.id, source: writer.source, skipped: writer.source !== provenance.job, inputs });
    }
    return steps;
  }

  /** The datums that wrote `path`: from the job's output index, or its datum table for older jobs. */
  async #writers(
    target: Target,
    path: FilePath,
    provenance: ProvenanceRecord,
  ): Promise<readonly WritingDatum[]> {
    const { kv, objects } = this.#deps;
    const job = await this.#producers.job(provenance.pipeline, provenance.job);
    if (!job) {
      throw new NotFoundError(
        `cannot trace ${lineageRefText(target)}: its job ${provenance.pipeline}@${provenance.job} no longer exists`,
      );
    }
    if (job.outputIndex) return (await findOutputWriters(objects, job.outputIndex, path))?.datums ?? [];
    // A job that never assembled (failed or killed) put no datum output in its commit.
    if (!job.datumTable) return [];
    const writers: WritingDatum[] = [];
    for (const line of await readDatumTable(objects, job.datumTable)) {
      if (line.state !== 'success' && line.state !== 'skipped') continue;
      const result = await readDatumResult(kv, provenance.pipeline, line.source, line.id);
      if (result?.outputs.some((entry) => entry.path === path)) {
        writers.push({ id: line.id, source: line.source });
      }
    }
    return writers;
  }

  async #upstreamCommit(target: Target): Promise<CommitInfo> {
    try {
      return await this.#deps.versioning.inspectCommit(commitRef(target.repo, target.commit));
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      throw new NotFoundError(
        `lineage reaches ${lineageRefText(target)}, which no longer exists: ${error.message}`,
        { cause: error },
      );
    }
  }
}

async function startFileHash(deps: LineageDeps, ref: LineageRef, path: FilePath): Promise<FileHash> {
  try {
    const info = await deps.versioning.statFile({ ...commitRef(ref.repo, ref.commit), path });
    if (info.type === 'file' && info.hash !== null) return info.hash;
    throw new InvalidArgumentError(
      `cannot trace ${lineageRefText(ref)}: ${path} is a directory; give a file in it, or trace the whole commit ${ref.repo}@${ref.commit}`,
    );
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    throw new NotFoundError(
      `cannot trace ${lineageRefText(ref)}: commit ${ref.repo}@${ref.commit} has no file ${path}; list its files with 'strata list file ${ref.repo}@${ref.commit}:/'`,
      { cause: error },
    );
  }
}

/** A datum result's input file, parsed: results store the path and hash as plain text. */
function storedFile(path: string, hash: string, owner: string): { path: FilePath; hash: FileHash } {
  try {
    return { path: parseFilePath(path), hash: parseFileHash(hash) };
  } catch (error) {
    throw new CorruptDataError(`${owner} records an invalid input file ${JSON.stringify(path)}`, {
      cause: error,
    });
  }
}
