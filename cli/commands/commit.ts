/** `start / finish / list / inspect / delete commit` and `revert`. */
import type { Command } from 'commander';
import type { CommitInfo } from '../../versioning/api.ts';
import type { Page } from '../../versioning/ports.ts';
import { parseBranchRef, parseCommitRef } from '../../versioning/refs.ts';
import { parseRefIn, parseRepoOrBranch, positiveInteger } from '../args.ts';
import { withService } from '../backend.ts';
import {
  humanBytes,
  JSON_FIELDS,
  plural,
  relativeTime,
  timeField,
  writeFields,
  writeJson,
  writeLine,
  writeTable,
} from '../format.ts';
import { nounCommand, withExample } from '../program.ts';

const DEFAULT_PAGE = 50;

interface JsonOption {
  readonly json?: boolean;
}

function describeCommit(commit: CommitInfo): string {
  if (commit.fileCount === null || commit.sizeBytes === null) return `commit ${commit.id} (${commit.state})`;
  return `commit ${commit.id}: ${plural(commit.fileCount, 'file')}, ${humanBytes(commit.sizeBytes)}`;
}

function printCommit(commit: CommitInfo): void {
  writeFields([
    ['Commit', `${commit.repo}@${commit.id}`],
    ['Branch', commit.branch ?? '-'],
    ['Parent', commit.parent ?? '-'],
    ['Children', commit.children.join(', ') || '-'],
    ['Origin', commit.origin],
    ['Global ID', commit.globalId],
    ['State', commit.state],
    ['Started', timeField(commit.started)],
    ['Finished', timeField(commit.finished)],
    ['Files', commit.fileCount === null ? '-' : commit.fileCount.toLocaleString('en-US')],
    ['Size', commit.sizeBytes === null ? '-' : `${humanBytes(commit.sizeBytes)} (${commit.sizeBytes} bytes)`],
    ['Description', commit.description || '-'],
    ...(commit.error === null ? [] : [['Error', commit.error] as const]),
  ]);
}

export function registerCommitCommands(program: Command): void {
  withExample(
    nounCommand(program, 'start', 'commit')
      .summary('Open a commit on a branch; prints its ID')
      .description('Open a commit on a branch; puts go into it until it is finished. Prints its ID')
      .argument('<repo@branch>', 'the branch')
      .option('-m, --message <text>', "the commit's description")
      .option(
        '-p, --parent <ref>',
        'start from this commit instead of the branch head (commit ID, branch, or repo@ref)',
      )
      .option('--json', `print the CommitInfo as JSON instead of the ID (fields: ${JSON_FIELDS.commit})`)
      .action(async (refText: string, options: { message?: string; parent?: string; json?: boolean }) => {
        const branch = parseBranchRef(refText);
        const parent = options.parent === undefined ? undefined : parseRefIn(branch.repo, options.parent);
        const commit = await withService((service) =>
          service.startCommit(branch, { description: options.message ?? '', ...(parent ? { parent } : {}) }),
        );
        if (options.json) writeJson(commit);
        else writeLine(commit.id);
      }),
    'strata start commit images@master -m "nightly import"     # prints the new commit ID',
    'strata put file images@<commit-id>:/a.png -f a.png',
    'strata finish commit images@<commit-id>',
  );

  withExample(
    nounCommand(program, 'finish', 'commit')
      .summary('Finish an open commit')
      .description('Finish an open commit: its files become an immutable snapshot')
      .argument('<ref>', 'repo@<commit-id>, or repo@branch for the open commit at its head')
      .option('-m, --message <text>', "replace the commit's description")
      .option('--json', `print the CommitInfo as JSON (fields: ${JSON_FIELDS.commit})`)
      .action(async (refText: string, options: { message?: string; json?: boolean }) => {
        const ref = parseCommitRef(refText);
        const commit = await withService((service) =>
          service.finishCommit(ref, options.message === undefined ? {} : { description: options.message }),
        );
        if (options.json) writeJson(commit);
        else writeLine(`finished ${describeCommit(commit)}`);
      }),
    'strata finish commit images@master -m "nightly import"',
  );

  withExample(
    nounCommand(program, 'list', 'commit')
      .summary('List commits, newest first')
      .description("List commits, newest first: a branch's history, or every commit of a repo")
      .argument('<repo[@branch]>', 'the repo, or a branch of it')
      .option('-n, --limit <count>', `at most this many (default ${DEFAULT_PAGE})`, positiveInteger)
      .option('--after <cursor>', "continue after the previous page (its 'next' cursor)")
      .option('--all', 'every commit, however many')
      .option(
        '--json',
        `print the page as JSON: {"items": [CommitInfo…], "next": cursor when there are more}; CommitInfo fields: ${JSON_FIELDS.commit}`,
      )
      .action(
        async (
          target: string,
          options: { limit?: number; after?: string; all?: boolean; json?: boolean },
        ) => {
          const { repo, branch } = parseRepoOrBranch(target);
          const page = await withService(async (service): Promise<Page<CommitInfo>> => {
            const query = {
              ...(branch ? { branch } : {}),
              ...(options.after ? { after: options.after } : {}),
            };
            if (!options.all)
              return service.listCommits(repo, { ...query, limit: options.limit ?? DEFAULT_PAGE });
            const items: CommitInfo[] = [];
            let next: string | undefined = options.after;
            do {
              const current: Page<CommitInfo> = await service.listCommits(repo, {
                ...query,
                ...(next ? { after: next } : {}),
              });
              items.push(...current.items);
              next = current.next;
            } while (next !== undefined);
            return { items };
          });
          if (options.json) {
            writeJson(page);
            return;
          }
          await writeTable(
            [
              { header: 'COMMIT', value: (commit: CommitInfo) => commit.id },
              { header: 'BRANCH', value: (commit) => commit.branch ?? '-' },
              { header: 'ORIGIN', value: (commit) => commit.origin },
              { header: 'STARTED', value: (commit) => relativeTime(commit.started) },
              { header: 'STATE', value: (commit) => commit.state },
              {
                header: 'FILES',
                value: (commit) => (commit.fileCount === null ? '-' : String(commit.fileCount)),
                align: 'right',
              },
              {
                header: 'SIZE',
                value: (commit) => (commit.sizeBytes === null ? '-' : humanBytes(commit.sizeBytes)),
                align: 'right',
              },
              { header: 'DESCRIPTION', value: (commit) => commit.description },
            ],
            page.items,
          );
          if (page.next !== undefined) {
            process.stderr.write(`(more: strata list commit ${target} --after ${page.next}, or --all)\n`);
          }
        },
      ),
    'strata list commit images@master -n 10',
    'strata list commit images --all --json',
  );

  withExample(
    nounCommand(program, 'inspect', 'commit')
      .description("Show a commit's parent, state, size and file count")
      .argument('<ref>', 'repo@<commit-id>, repo@branch, or repo@branch^ for its parent')
      .option('--json', `print the CommitInfo as JSON (fields: ${JSON_FIELDS.commit})`)
      .action(async (refText: string, options: JsonOption) => {
        const ref = parseCommitRef(refText);
        const commit = await withService((service) => service.inspectCommit(ref));
        if (options.json) writeJson(commit);
        else printCommit(commit);
      }),
    'strata inspect commit images@master',
    'strata inspect commit images@master^ --json',
  );

  withExample(
    nounCommand(program, 'delete', 'commit')
      .summary('Drop an open commit')
      .description('Drop an open commit: its writes are discarded and its branch moves back to the parent')
      .argument('<ref>', 'repo@<commit-id>, or repo@branch for the open commit at its head')
      .action(async (refText: string) => {
        const ref = parseCommitRef(refText);
        await withService((service) => service.dropCommit(ref));
        writeLine(`dropped commit ${refText}`);
      }),
    'strata delete commit images@master',
  );

  withExample(
    program
      .command('revert')
      .summary('Add a commit that undoes a commit')
      .description('Add a commit that undoes the changes a commit made to its parent')
      .argument('<ref>', 'the commit to undo: repo@<commit-id> or repo@branch')
      .option('-m, --message <text>', "the new commit's description")
      .option('--json', `print the new CommitInfo as JSON (fields: ${JSON_FIELDS.commit})`)
      .action(async (refText: string, options: { message?: string; json?: boolean }) => {
        const ref = parseCommitRef(refText);
        const commit = await withService((service) =>
          service.revert(ref, options.message === undefined ? {} : { description: options.message }),
        );
        if (options.json) writeJson(commit);
        else writeLine(`reverted ${refText}: new ${describeCommit(commit)}`);
      }),
    'strata revert images@master',
    'strata revert images@0123456789abcdef0123456789abcdef -m "undo the bad import"',
  );
}
