/** `create / list / inspect / delete branch`. */
import type { Command } from 'commander';
import type { BranchInfo } from '../../versioning/api.ts';
import { parseRepoName } from '../../versioning/ids.ts';
import { type BranchRef, parseBranchRef } from '../../versioning/refs.ts';
import { collect, parseRefIn } from '../args.ts';
import { withService } from '../backend.ts';
import {
  JSON_FIELDS,
  relativeTime,
  timeField,
  writeFields,
  writeJson,
  writeJsonArray,
  writeLine,
  writeTable,
} from '../format.ts';
import { nounCommand, withExample } from '../program.ts';

interface JsonOption {
  readonly json?: boolean;
}

const formatBranchRef = (ref: BranchRef): string => `${ref.repo}@${ref.branch}`;

function printBranch(branch: BranchInfo): void {
  writeFields([
    ['Branch', `${branch.repo}@${branch.branch}`],
    ['Head', branch.head],
    ['Created', timeField(branch.created)],
    ['Provenance', branch.provenance.map(formatBranchRef).join(', ') || '-'],
  ]);
}

export function registerBranchCommands(program: Command): void {
  withExample(
    nounCommand(program, 'create', 'branch')
      .summary('Create a branch, or move one')
      .description('Create a branch (zero-copy), or move an existing branch to another commit')
      .argument('<repo@branch>', 'the branch to create or move')
      .option(
        '--head <ref>',
        'the commit or branch to start from (a commit ID or branch of the same repo, or repo@ref)',
      )
      .option(
        '--provenance <repo@branch>',
        'a branch this one is derived from (repeatable); that repo cannot be deleted while this exists',
        collect,
      )
      .action(async (refText: string, options: { head?: string; provenance?: string[] }) => {
        const ref = parseBranchRef(refText);
        const head = options.head === undefined ? undefined : parseRefIn(ref.repo, options.head);
        const provenance = (options.provenance ?? []).map(parseBranchRef);
        const branch = await withService((service) =>
          service.createBranch(ref, { ...(head ? { head } : {}), provenance }),
        );
        writeLine(`branch ${formatBranchRef(branch)} at ${branch.head}`);
      }),
    'strata create branch images@dev --head master',
    'strata create branch features@master --provenance images@master',
  );

  withExample(
    nounCommand(program, 'list', 'branch')
      .description("List a repo's branches")
      .argument('<repo>', 'the repo')
      .option('--json', `print BranchInfo objects as a JSON array (fields: ${JSON_FIELDS.branch})`)
      .action(async (repoText: string, options: JsonOption) => {
        const repo = parseRepoName(repoText);
        const branches = await withService((service) => service.listBranches(repo));
        if (options.json) {
          await writeJsonArray(branches);
          return;
        }
        await writeTable(
          [
            { header: 'BRANCH', value: (branch: BranchInfo) => branch.branch },
            { header: 'HEAD', value: (branch) => branch.head },
            { header: 'CREATED', value: (branch) => relativeTime(branch.created) },
            { header: 'PROVENANCE', value: (branch) => branch.provenance.map(formatBranchRef).join(', ') },
          ],
          branches,
        );
      }),
    'strata list branch images',
  );

  withExample(
    nounCommand(program, 'inspect', 'branch')
      .description("Show a branch's head and provenance")
      .argument('<repo@branch>', 'the branch')
      .option('--json', `print the BranchInfo as JSON (fields: ${JSON_FIELDS.branch})`)
      .action(async (refText: string, options: JsonOption) => {
        const ref = parseBranchRef(refText);
        const branch = await withService((service) => service.inspectBranch(ref));
        if (options.json) writeJson(branch);
        else printBranch(branch);
      }),
    'strata inspect branch images@master',
  );

  withExample(
    nounCommand(program, 'delete', 'branch')
      .description('Delete a branch')
      .argument('<repo@branch>', 'the branch')
      .action(async (refText: string) => {
        const ref = parseBranchRef(refText);
        await withService((service) => service.deleteBranch(ref));
        writeLine(`deleted branch ${formatBranchRef(ref)}`);
      }),
    'strata delete branch images@dev',
  );
}
