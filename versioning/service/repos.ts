/** Repos and branches. A branch is only a pointer: creating one copies nothing. */
import type { BranchInfo, RepoInfo } from '../api.ts';
import { ConflictError, InvalidArgumentError, NotFoundError } from '../errors.ts';
import { kvKeys } from '../graph/keys.ts';
import { type BranchRecord, encodeRecord, type RepoRecord } from '../graph/records.ts';
import { type BranchName, parseBranchName, parseRepoName, type RepoName } from '../ids.ts';
import { allPages } from '../ports.ts';
import { type BranchRef, type CommitRef, formatCommitRef } from '../refs.ts';
import type { Commits } from './commits.ts';
import type { ServiceContext } from './context.ts';

const DEFAULT_BRANCH = parseBranchName('master');

/** Every key prefix that holds a repo's graph records, deleted with the repo. */
const repoPrefixes = (repo: RepoName) => [
  kvKeys.branchPrefix(repo),
  kvKeys.commitLogPrefix(repo),
  kvKeys.childRepoPrefix(repo),
  kvKeys.deltaRepoPrefix(repo),
  kvKeys.stagePrefix(repo),
  kvKeys.finishPrefix(repo),
  kvKeys.commitPrefix(repo),
  kvKeys.dependentPrefix(repo),
];

export class Repos {
  readonly #ctx: ServiceContext;
  readonly #commits: Commits;

  constructor(ctx: ServiceContext, commits: Commits) {
    this.#ctx = ctx;
    this.#commits = commits;
  }

  async create(repo: RepoName, options: { description?: string } = {}): Promise<RepoInfo> {
    const record: RepoRecord = {
      name: repo,
      description: options.description ?? '',
      created: this.#ctx.now(),
    };
    if (!(await this.#ctx.kv.putIfAbsent(kvKeys.repo(repo), encodeRecord(record)))) {
      throw new ConflictError(`repo ${repo} already exists; pick another name or delete it first`);
    }
    return this.#info(record);
  }

  async list(): Promise<RepoInfo[]> {
    const records = await this.#ctx.graph.listRepos();
    return Promise.all(records.map((record) => this.#info(record)));
  }

  async inspect(repo: RepoName): Promise<RepoInfo> {
    return this.#info(await this.#ctx.graph.getRepo(repo));
  }

  async delete(repo: RepoName, options: { force?: boolean } = {}): Promise<void> {
    const { kv, graph } = this.#ctx;
    await graph.getRepo(repo);
    const dependents = await this.#dependents(repo);
    const foreign = dependents.filter((dependent) => dependent.repo !== repo);
    if (foreign.length > 0 && !options.force) {
      const names = foreign.map((d) => `${d.repo}@${d.branch}`).join(', ');
      throw new ConflictError(
        `repo ${repo} cannot be deleted: ${names} ${foreign.length === 1 ? 'has' : 'have'} provenance on it; delete those first, or pass --force`,
      );
    }
    // Dependent links this repo's branches hold on others go with it.
    for (const { branch, record } of await graph.listBranches(repo)) {
      for (const upstream of record.provenance)
        await kv.delete(kvKeys.dependent(upstream.repo, repo, branch));
    }
    // Everything else first, the repo record last: an interrupted delete can simply be run again.
    for (const prefix of repoPrefixes(repo)) {
      for (;;) {
        const page = await kv.scan(prefix, { limit: 1000 });
        if (page.items.length === 0) break;
        await Promise.all(page.items.map((item) => kv.delete(item.key)));
      }
    }
    await kv.delete(kvKeys.repo(repo));
  }

  async createBranch(
    target: BranchRef,
    options: { head?: CommitRef; provenance?: readonly BranchRef[] } = {},
  ): Promise<BranchInfo> {
    const { graph, kv } = this.#ctx;
    const { repo, branch } = target;
    await graph.getRepo(repo);
    const provenance = options.provenance ?? [];
    await this.#checkProvenance(target, provenance);
    const head = options.head && (await this.#headFor(target, options.head));
    for (;;) {
      const current = await graph.findBranch(repo, branch);
      if (!current && !head) {
        // A new branch with no head starts from an empty commit, as in Pachyderm.
        const opened = await this.#commits.start(repo, branch, { origin: 'auto' });
        await this.#commits.finish({ repo, base: { kind: 'commit', commit: opened.id }, ancestors: 0 });
        continue;
      }
      const record: BranchRecord = {
        head: head ?? current!.record.head,
        created: current?.record.created ?? this.#ctx.now(),
        provenance: provenance.length > 0 || !current ? [...provenance] : current.record.provenance,
      };
      const key = kvKeys.branch(repo, branch);
      const written = current
        ? await kv.compareAndSet(key, current.version, encodeRecord(record))
        : await kv.putIfAbsent(key, encodeRecord(record));
      if (!written) continue;
      for (const upstream of record.provenance) {
        await kv.putIfAbsent(kvKeys.dependent(upstream.repo, repo, branch), '');
      }
      return toBranchInfo(repo, branch, record);
    }
  }

  async listBranches(repo: RepoName): Promise<BranchInfo[]> {
    await this.#ctx.graph.getRepo(repo);
    const branches = await this.#ctx.graph.listBranches(repo);
    return branches.map(({ branch, record }) => toBranchInfo(repo, branch, record));
  }

  async inspectBranch(target: BranchRef): Promise<BranchInfo> {
    const { record } = await this.#ctx.graph.getBranch(target.repo, target.branch);
    return toBranchInfo(target.repo, target.branch, record);
  }

  async deleteBranch(target: BranchRef): Promise<void> {
    const { graph, kv } = this.#ctx;
    const { repo, branch } = target;
    const current = await graph.getBranch(repo, branch);
    const downstream = (await this.#dependents(repo)).filter((dependent) =>
      dependent.provenance.some((up) => up.repo === repo && up.branch === branch),
    );
    if (downstream.length > 0) {
      const names = downstream.map((d) => `${d.repo}@${d.branch}`).join(', ');
      throw new ConflictError(`branch ${repo}@${branch} cannot be deleted: ${names} has provenance on it`);
    }
    if (!(await kv.delete(kvKeys.branch(repo, branch), current.version))) {
      throw new ConflictError(`branch ${repo}@${branch} moved while it was being deleted; try again`);
    }
    for (const upstream of current.record.provenance) {
      await kv.delete(kvKeys.dependent(upstream.repo, repo, branch));
    }
  }

  async #info(record: RepoRecord): Promise<RepoInfo> {
    const { graph, kv } = this.#ctx;
    const branches = await graph.listBranches(record.name);
    const master = branches.find((b) => b.branch === DEFAULT_BRANCH) ?? branches[0];
    let sizeBytes = 0;
    if (master) {
      const finish = await graph.findFinish(record.name, master.record.head);
      sizeBytes = finish?.totalBytes ?? 0;
    }
    let commitCount = 0;
    for await (const _ of allPages((after) => kv.scan(kvKeys.commitLogPrefix(record.name), { after }))) {
      commitCount++;
    }
    return {
      name: record.name,
      description: record.description,
      created: record.created,
      branches: branches.map((b) => b.branch),
      sizeBytes,
      commitCount,
    };
  }

  /** Branches (in any repo) whose provenance includes a branch of `repo`. */
  async #dependents(
    repo: RepoName,
  ): Promise<{ repo: RepoName; branch: BranchName; provenance: BranchRef[] }[]> {
    const { graph, kv } = this.#ctx;
    const prefix = kvKeys.dependentPrefix(repo);
    const found: { repo: RepoName; branch: BranchName; provenance: BranchRef[] }[] = [];
    for await (const item of allPages((after) => kv.scan(prefix, { after }))) {
      const [repoText = '', branchText = ''] = item.key.slice(prefix.length).split('/');
      const downstream = { repo: parseRepoName(repoText), branch: parseBranchName(branchText) };
      const branch = await graph.findBranch(downstream.repo, downstream.branch);
      if (branch) found.push({ ...downstream, provenance: branch.record.provenance });
    }
    return found;
  }

  async #checkProvenance(target: BranchRef, provenance: readonly BranchRef[]): Promise<void> {
    for (const upstream of provenance) {
      if (upstream.repo === target.repo && upstream.branch === target.branch) {
        throw new InvalidArgumentError(
          `branch ${target.repo}@${target.branch} cannot have provenance on itself`,
        );
      }
      await this.#ctx.graph.getBranch(upstream.repo, upstream.branch);
      if (await this.#reaches(upstream, target, new Set())) {
        throw new InvalidArgumentError(
          `provenance ${upstream.repo}@${upstream.branch} would make a cycle: it already depends on ${target.repo}@${target.branch}`,
        );
      }
    }
  }

  async #reaches(from: BranchRef, to: BranchRef, seen: Set<string>): Promise<boolean> {
    const id = `${from.repo}@${from.branch}`;
    if (seen.has(id)) return false;
    seen.add(id);
    const branch = await this.#ctx.graph.findBranch(from.repo, from.branch);
    for (const upstream of branch?.record.provenance ?? []) {
      if (upstream.repo === to.repo && upstream.branch === to.branch) return true;
      if (await this.#reaches(upstream, to, seen)) return true;
    }
    return false;
  }

  async #headFor(target: BranchRef, ref: CommitRef) {
    if (ref.repo !== target.repo) {
      throw new InvalidArgumentError(
        `head ${formatCommitRef(ref)} is in another repo; a branch of ${target.repo} must point at a commit of ${target.repo}`,
      );
    }
    const resolved = await this.#ctx.graph.resolve(ref);
    if (!resolved.finish) {
      throw new ConflictError(`head ${formatCommitRef(ref)} is an open commit; finish it first`);
    }
    if (resolved.finish.dropped) throw new NotFoundError(`commit ${formatCommitRef(ref)} was dropped`);
    return resolved.commit.id;
  }
}

function toBranchInfo(repo: RepoName, branch: BranchName, record: BranchRecord): BranchInfo {
  return { repo, branch, head: record.head, created: record.created, provenance: record.provenance };
}
