/** `create / list / inspect / delete repo`. */
import type { Command } from 'commander';
import type { RepoInfo } from '../../versioning/api.ts';
import { parseRepoName } from '../../versioning/ids.ts';
import { withService } from '../backend.ts';
import {
  humanBytes,
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

function printRepo(repo: RepoInfo): void {
  writeFields([
    ['Name', repo.name],
    ['Description', repo.description || '-'],
    ['Created', timeField(repo.created)],
    ['Branches', repo.branches.join(', ') || '-'],
    ['Commits', String(repo.commitCount)],
    ['Size (master)', humanBytes(repo.sizeBytes)],
  ]);
}

export function registerRepoCommands(program: Command): void {
  withExample(
    nounCommand(program, 'create', 'repo')
      .summary('Create a repo')
      .description('Create a repo: a named, versioned set of files')
      .argument('<name>', "the repo's name: 1–63 letters, digits, '_' or '-'")
      .option('-d, --description <text>', 'what the repo holds')
      .action(async (nameText: string, options: { description?: string }) => {
        const name = parseRepoName(nameText);
        const repo = await withService((service) =>
          service.createRepo(name, { description: options.description ?? '' }),
        );
        writeLine(`created repo ${repo.name}`);
      }),
    'strata create repo images -d "training images"',
  );

  withExample(
    nounCommand(program, 'list', 'repo')
      .description('List repos')
      .option('--json', `print RepoInfo objects as a JSON array (fields: ${JSON_FIELDS.repo})`)
      .action(async (options: JsonOption) => {
        const repos = await withService((service) => service.listRepos());
        if (options.json) {
          await writeJsonArray(repos);
          return;
        }
        await writeTable(
          [
            { header: 'NAME', value: (repo: RepoInfo) => repo.name },
            { header: 'CREATED', value: (repo) => relativeTime(repo.created) },
            { header: 'SIZE (MASTER)', value: (repo) => humanBytes(repo.sizeBytes), align: 'right' },
            { header: 'COMMITS', value: (repo) => String(repo.commitCount), align: 'right' },
            { header: 'DESCRIPTION', value: (repo) => repo.description },
          ],
          repos,
        );
      }),
    'strata list repo',
    'strata list repo --json',
  );

  withExample(
    nounCommand(program, 'inspect', 'repo')
      .description("Show a repo's details")
      .argument('<name>', 'the repo')
      .option('--json', `print the RepoInfo as JSON (fields: ${JSON_FIELDS.repo})`)
      .action(async (nameText: string, options: JsonOption) => {
        const name = parseRepoName(nameText);
        const repo = await withService((service) => service.inspectRepo(name));
        if (options.json) writeJson(repo);
        else printRepo(repo);
      }),
    'strata inspect repo images',
  );

  withExample(
    nounCommand(program, 'delete', 'repo')
      .summary('Delete a repo')
      .description('Delete a repo with all its branches and commits')
      .argument('<name>', 'the repo')
      .option('--force', "delete even when other repos' branches have provenance on it")
      .action(async (nameText: string, options: { force?: boolean }) => {
        const name = parseRepoName(nameText);
        await withService((service) => service.deleteRepo(name, { force: options.force ?? false }));
        writeLine(`deleted repo ${name}`);
      }),
    'strata delete repo images',
    'strata delete repo images --force   # even if other branches are built on it',
  );
}
