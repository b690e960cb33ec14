/**
 * Creating, updating and removing pipelines. A pipeline's output repo is named after it; its
 * output branch has provenance on every input branch, and a subscription per input branch is
 * what the dispatcher looks up when a commit finishes there.
 *
 * Rules:
 * - Every input repo must exist, and no input may be (transitively) the pipeline's own output:
 *   a pipeline graph is acyclic.
 * - Each update stores a new spec version; jobs name the version they ran.
 */
import { randomBytes } from 'node:crypto';
import { ConflictError, InvalidArgumentError, NotFoundError } from '../versioning/errors.ts';
import { encodeRecord } from '../versioning/graph/records.ts';
import type { RepoName } from '../versioning/ids.ts';
import type { KvStore } from '../versioning/ports.ts';
import type { VersioningService } from '../versioning/service.ts';
import { leavesOf } from './datums/index.ts';
import type { JobStore } from './jobs/job-store.ts';
import { pipelineKeys } from './jobs/keys.ts';
import type { PipelineRecord } from './jobs/records.ts';
import {
  type ParsedPipelineSpec,
  type PipelineInput,
  type PipelineSpec,
  parsePipelineSpec,
  specVersionHash,
} from './spec/index.ts';

/** The tick repos of a pipeline's cron inputs: created with the pipeline, never given by users. */
function cronRepos(input: PipelineInput): Set<string> {
  if (input.kind === 'cron') return new Set([input.repo]);
  if (input.kind === 'pfs') return new Set();
  return new Set(input.inputs.flatMap((child) => [...cronRepos(child)]));
}

export interface RegistryDeps {
  readonly kv: KvStore;
  readonly versioning: VersioningService;
  readonly jobs: JobStore;
  readonly now: () => string;
}

export class PipelineRegistry {
  readonly #deps: RegistryDeps;

  constructor(deps: RegistryDeps) {
    this.#deps = deps;
  }

  /** Parses and checks a spec against the stores; throws before anything is written. */
  async validate(
    specText: string,
    source: string,
    options: { update: boolean },
  ): Promise<ParsedPipelineSpec> {
    const parsed = parsePipelineSpec(specText, source);
    const { spec } = parsed;
    const existing = await this.#deps.jobs.findPipeline(spec.name);
    if (options.update && !existing) {
      throw new NotFoundError(
        `pipeline ${spec.name} not found; create it with 'strata create pipeline -f ${source}'`,
      );
    }
    if (!options.update && existing) {
      throw new ConflictError(
        `pipeline ${spec.name} already exists; change it with 'strata update pipeline -f ${source}'`,
      );
    }
    if (!existing && (await this.#deps.versioning.listRepos()).some((repo) => repo.name === spec.name)) {
      throw new ConflictError(
        `pipeline ${spec.name} would write to repo ${spec.name}, which already exists and is not a pipeline's output; rename the pipeline`,
      );
    }
    for (const leaf of leavesOf(spec.input)) {
      if (leaf.repo === spec.name) {
        throw new InvalidArgumentError(`pipeline ${spec.name} cannot read its own output repo ${leaf.repo}`);
      }
      if (!cronRepos(spec.input).has(leaf.repo)) {
        try {
          await this.#deps.versioning.inspectRepo(leaf.repo);
        } catch (error) {
          if (error instanceof NotFoundError) {
            throw new NotFoundError(
              `pipeline ${spec.name} reads repo ${leaf.repo} (input ${leaf.name}), which does not exist; create it with 'strata create repo ${leaf.repo}'`,
            );
          }
          throw error;
        }
      }
      if (await this.#isDownstreamOf(leaf.repo, spec.name, new Set())) {
        throw new InvalidArgumentError(
          `pipeline ${spec.name} would make a cycle: its input ${leaf.repo} is computed from ${spec.name}'s own output`,
        );
      }
    }
    return parsed;
  }

  /** Stores the pipeline (or its next version) and wires its repos, branches and subscriptions. */
  async save(
    parsed: ParsedPipelineSpec,
    specText: string,
    options: { reprocess: boolean },
  ): Promise<PipelineRecord> {
    const { spec } = parsed;
    const { kv, jobs } = this.#deps;
    const existing = await jobs.findPipeline(spec.name);
    const version = (existing?.version ?? 0) + 1;
    const salt = spec.salt ?? existing?.salt ?? randomBytes(16).toString('hex');
    const specHash = specVersionHash(spec);
    await kv.putIfAbsent(
      pipelineKeys.specVersion(spec.name, version),
      encodeRecord({ specText, salt, specHash }),
    );
    await this.#ensureRepos(spec);
    const now = this.#deps.now();
    if (existing) {
      const previousLeaves = await this.#leavesOfVersion(existing);
      for (const leaf of previousLeaves)
        await kv.delete(pipelineKeys.subscription(leaf.repo, leaf.branch, spec.name));
    }
    for (const leaf of leavesOf(spec.input)) {
      await kv.putIfAbsent(pipelineKeys.subscription(leaf.repo, leaf.branch, spec.name), '');
    }
    if (existing) {
      return jobs.updatePipeline(spec.name, (current) => ({
        ...current,
        version,
        specHash,
        specText,
        salt,
        reprocessNext: options.reprocess || current.reprocessNext,
        updated: now,
      }));
    }
    const record: PipelineRecord = {
      name: spec.name,
      version,
      specHash,
      specText,
      state: 'running',
      salt,
      lastSuccess: null,
      reprocessNext: false,
      created: now,
      updated: now,
    };
    if (!(await kv.putIfAbsent(pipelineKeys.pipeline(spec.name), encodeRecord(record)))) {
      throw new ConflictError(`pipeline ${spec.name} was created by someone else meanwhile`);
    }
    return record;
  }

  async remove(name: RepoName, options: { keepRepo: boolean }): Promise<void> {
    const { kv, versioning, jobs } = this.#deps;
    const record = await jobs.getPipeline(name);
    const downstream = (await jobs.listPipelines()).filter(
      (other) => other.name !== name && this.#leaves(other).some((leaf) => leaf.repo === name),
    );
    if (downstream.length > 0) {
      throw new ConflictError(
        `pipeline ${name} cannot be deleted: ${downstream.map((p) => p.name).join(', ')} read${downstream.length === 1 ? 's' : ''} its output; delete ${downstream.length === 1 ? 'it' : 'them'} first`,
      );
    }
    for (const leaf of this.#leaves(record))
      await kv.delete(pipelineKeys.subscription(leaf.repo, leaf.branch, name));
    await kv.delete(pipelineKeys.pipeline(name));
    if (!options.keepRepo) await versioning.deleteRepo(name, { force: true });
  }

  parse(record: PipelineRecord): PipelineSpec {
    return parsePipelineSpec(record.specText, `${record.name} v${record.version}`).spec;
  }

  #leaves(record: PipelineRecord) {
    return leavesOf(this.parse(record).input);
  }

  async #leavesOfVersion(record: PipelineRecord) {
    return this.#leaves(record);
  }

  async #ensureRepos(spec: PipelineSpec): Promise<void> {
    const { versioning } = this.#deps;
    const existingRepos = new Set((await versioning.listRepos()).map((repo) => repo.name));
    for (const leaf of leavesOf(spec.input)) {
      if (!existingRepos.has(leaf.repo)) {
        await versioning.createRepo(leaf.repo, { description: `cron ticks of pipeline ${spec.name}` });
        existingRepos.add(leaf.repo);
      }
    }
    if (!existingRepos.has(spec.name)) {
      await versioning.createRepo(spec.name, { description: `output of pipeline ${spec.name}` });
    }
    const provenance = [];
    for (const leaf of leavesOf(spec.input)) {
      const branches = await versioning.listBranches(leaf.repo);
      // A branch with no commit yet cannot be a provenance target; the subscription still fires on it.
      if (branches.some((branch) => branch.branch === leaf.branch))
        provenance.push({ repo: leaf.repo, branch: leaf.branch });
    }
    const branches = await versioning.listBranches(spec.name);
    if (!branches.some((branch) => branch.branch === spec.outputBranch)) {
      await versioning.createBranch({ repo: spec.name, branch: spec.outputBranch });
    }
    await versioning.createBranch({ repo: spec.name, branch: spec.outputBranch }, { provenance });
  }

  /** True when `repo` is `pipeline`'s output or computed from it through other pipelines. */
  async #isDownstreamOf(repo: RepoName, pipeline: RepoName, seen: Set<string>): Promise<boolean> {
    if (repo === pipeline) return true;
    if (seen.has(repo)) return false;
    seen.add(repo);
    const producer = await this.#deps.jobs.findPipeline(repo);
    if (!producer) return false;
    for (const leaf of this.#leaves(producer)) {
      if (await this.#isDownstreamOf(leaf.repo, pipeline, seen)) return true;
    }
    return false;
  }
}
