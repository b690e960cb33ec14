/** `put file`: local files, directory trees or standard input into a branch or an open commit. */
import type { Command } from 'commander';
import type { PutResult } from '../../versioning/api.ts';
import { formatCommitRef } from '../../versioning/refs.ts';
import { collect, splitFileArg } from '../args.ts';
import { withService } from '../backend.ts';
import { humanBytes, JSON_FIELDS, plural, writeJson, writeLine } from '../format.ts';
import { fileSources, planSources } from '../local-files.ts';
import { nounCommand, withExample } from '../program.ts';
import { startProgress } from '../progress.ts';

interface PutOptions {
  readonly file: string[];
  readonly recursive?: boolean;
  readonly append?: boolean;
  readonly json?: boolean;
}

function summary(target: string, result: PutResult): string {
  return (
    `put ${plural(result.files, 'file')}, ${humanBytes(result.bytes)} (${humanBytes(result.newBytes)} new) ` +
    `into ${target}: commit ${result.commit.id}${result.commit.state === 'open' ? ' (open)' : ''}`
  );
}

export function registerPutFileCommand(program: Command): void {
  withExample(
    nounCommand(program, 'put', 'file')
      .summary('Put local files, directories or standard input into a repo')
      .description(
        'Put local files into a branch (as one new commit) or into an open commit. One -f FILE is stored at PATH ' +
          "(or at PATH/<name> when PATH is omitted or ends with '/'); a directory (-r) is stored under PATH; " +
          'several -f are each stored under PATH by name; -f - reads standard input into PATH',
      )
      .argument(
        '<repo@branch[:/path]>',
        'where to write: a branch or an open commit ID, and optionally a path',
      )
      .requiredOption(
        '-f, --file <local>',
        "a local file, a directory (needs -r), or '-' for standard input; repeatable",
        collect,
      )
      .option('-r, --recursive', 'put directories and everything under them')
      .option('-a, --append', 'append to existing files instead of replacing them')
      .option('--json', `print the PutResult as JSON (fields: ${JSON_FIELDS.put})`)
      .action(async (targetText: string, options: PutOptions) => {
        const { ref, path } = splitFileArg(targetText);
        const plan = await planSources(options.file, path, options.recursive ?? false);
        const progress = startProgress('put');
        const result = await withService((service) =>
          service
            .putFiles(ref, fileSources(plan), {
              append: options.append ?? false,
              onProgress: ({ files, bytes }) => progress.update(files, bytes),
            })
            .finally(() => progress.done()),
        );
        if (options.json) writeJson(result);
        else writeLine(summary(formatCommitRef(ref), result));
      }),
    'strata put file images@master:/cats/tabby.png -f tabby.png',
    'strata put file images@master:/photos -r -f ./photos',
    'strata put file images@master:/raw/ -f a.csv -f b.csv',
    'curl -s https://example.com/data.csv | strata put file images@master:/data.csv -f -',
  );
}
