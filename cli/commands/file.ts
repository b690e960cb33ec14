/** `list / glob / diff / copy / delete file`. */
import type { Command } from 'commander';
import type { FileDiff, FileInfo } from '../../versioning/api.ts';
import { InvalidArgumentError } from '../../versioning/errors.ts';
import { type FilePath, parseFilePath } from '../../versioning/ids.ts';
import { type CommitRef, type FileRef, formatCommitRef, parseFileRef } from '../../versioning/refs.ts';
import { splitFileArg } from '../args.ts';
import { withService } from '../backend.ts';
import { humanBytes, JSON_FIELDS, plural, writeJsonArray, writeLine, writeTable } from '../format.ts';
import { nounCommand, withExample } from '../program.ts';

interface JsonOption {
  readonly json?: boolean;
}

const shownPath = (file: FileInfo): string =>
  file.type === 'dir' && file.path !== '/' ? `${file.path}/` : file.path;

async function printFiles(files: AsyncIterable<FileInfo>, options: JsonOption): Promise<void> {
  if (options.json) {
    await writeJsonArray(files);
    return;
  }
  await writeTable(
    [
      { header: 'PATH', value: shownPath },
      { header: 'TYPE', value: (file) => file.type },
      { header: 'SIZE', value: (file) => humanBytes(file.size), align: 'right' },
    ],
    files,
  );
}

function diffLine(diff: FileDiff): string {
  const shown = (diff.after ?? diff.before)?.type === 'dir' ? `${diff.path}/` : diff.path;
  const size = (file: FileInfo | null): string => (file === null ? '?' : humanBytes(file.size));
  if (diff.change === 'added') return `+ ${shown}  (${size(diff.after)})`;
  if (diff.change === 'deleted') return `- ${shown}  (${size(diff.before)})`;
  return `~ ${shown}  (${size(diff.before)} → ${size(diff.after)})`;
}

/** `repo@branch:/a /b repo@branch:/c`: later paths may omit the ref; every path is in one ref. */
function parseDeleteTargets(
  texts: readonly string[],
  recursive: boolean,
): { ref: CommitRef; paths: FilePath[] } {
  const [first, ...rest] = texts;
  if (first === undefined) throw new InvalidArgumentError('give at least one repo@branch:/path to delete');
  const head = parseFileRef(first, { allowRoot: recursive });
  const ref: CommitRef = { repo: head.repo, base: head.base, ancestors: head.ancestors };
  const paths = [head.path];
  for (const text of rest) {
    if (text.startsWith('/')) {
      paths.push(parseFilePath(text, { allowRoot: recursive }));
      continue;
    }
    const other = parseFileRef(text, { allowRoot: recursive });
    if (formatCommitRef(other) !== formatCommitRef(ref)) {
      throw new InvalidArgumentError(
        `${JSON.stringify(text)} is not in ${formatCommitRef(ref)}: one call deletes from one branch or open commit`,
      );
    }
    paths.push(other.path);
  }
  return { ref, paths };
}

export function registerFileCommands(program: Command): void {
  withExample(
    nounCommand(program, 'list', 'file')
      .summary('List the files in a directory')
      .description('List the files and directories directly inside a directory (default: the root)')
      .argument('<repo@ref[:/dir]>', 'the commit or branch, and optionally a directory in it')
      .option('--json', `print FileInfo objects as a JSON array (fields: ${JSON_FIELDS.file})`)
      .action(async (refText: string, options: JsonOption) => {
        const ref = parseFileRef(refText, { defaultPath: '/', allowRoot: true });
        await withService((service) => printFiles(service.listFiles(ref), options));
      }),
    'strata list file images@master',
    'strata list file images@master^:/cats --json',
  );

  withExample(
    nounCommand(program, 'glob', 'file')
      .summary('Find files by a glob pattern')
      .description(
        "List the files and directories matching a glob pattern ('*' stays in one directory, '**' crosses them)",
      )
      .argument(
        '<repo@ref:pattern>',
        "the commit or branch and a pattern; quote it so the shell leaves '*' alone",
      )
      .option('--json', `print FileInfo objects as a JSON array (fields: ${JSON_FIELDS.file})`)
      .action(async (refText: string, options: JsonOption) => {
        const { ref, path: pattern } = splitFileArg(refText);
        if (pattern === undefined) {
          throw new InvalidArgumentError(
            `${JSON.stringify(refText)} has no pattern: write it as repo@ref:/pattern`,
          );
        }
        await withService((service) => printFiles(service.globFiles(ref, pattern), options));
      }),
    "strata glob file images@master:'/cats/*.png'",
    "strata glob file images@master:'/**.csv' --json",
  );

  withExample(
    nounCommand(program, 'diff', 'file')
      .summary('Show the files added, deleted and modified')
      .description(
        "Show the files added (+), deleted (-) and modified (~) between two commits (default: the new one's parent)",
      )
      .argument('<new-ref[:/path]>', 'the newer commit or branch, optionally limited to a path')
      .argument('[old-ref[:/path]]', "the older one (default: the newer one's parent)")
      .option(
        '--json',
        `print FileDiff objects as a JSON array (fields: ${JSON_FIELDS.diff}; before and after are FileInfo or null)`,
      )
      .action(async (newText: string, oldText: string | undefined, options: JsonOption) => {
        const newRef = parseFileRef(newText, { defaultPath: '/', allowRoot: true });
        const oldRef =
          oldText === undefined ? undefined : parseFileRef(oldText, { defaultPath: '/', allowRoot: true });
        await withService(async (service) => {
          const diffs = service.diffFiles(newRef, oldRef);
          if (options.json) {
            await writeJsonArray(diffs);
            return;
          }
          const counts = { added: 0, deleted: 0, modified: 0 };
          for await (const diff of diffs) {
            counts[diff.change] += 1;
            writeLine(diffLine(diff));
          }
          const total = counts.added + counts.deleted + counts.modified;
          writeLine(
            total === 0
              ? 'no changes'
              : `${plural(total, 'change')}: ${counts.added} added, ${counts.deleted} deleted, ${counts.modified} modified`,
          );
        });
      }),
    'strata diff file images@dev images@master',
    'strata diff file images@master:/cats',
  );

  withExample(
    nounCommand(program, 'copy', 'file')
      .summary('Copy files without copying bytes')
      .description(
        'Copy a file or a directory tree to another path or repo; no bytes are copied, only references',
      )
      .argument('<src-ref:/path>', 'what to copy')
      .argument('<dst-repo@branch:/path>', 'where to put it: a branch or an open commit, and a path')
      .option('-a, --append', 'append to an existing file instead of replacing it')
      .action(async (sourceText: string, targetText: string, options: { append?: boolean }) => {
        const source: FileRef = parseFileRef(sourceText, { allowRoot: true });
        const { ref: target, path } = splitFileArg(targetText);
        if (path === undefined) {
          throw new InvalidArgumentError(
            `${JSON.stringify(targetText)} has no path: write it as repo@branch:/path`,
          );
        }
        const destination = parseFilePath(path, { allowRoot: true });
        const commit = await withService((service) =>
          service.copyFiles(source, target, destination, { append: options.append ?? false }),
        );
        writeLine(`copied ${sourceText} to ${formatCommitRef(target)}:${destination}: commit ${commit.id}`);
      }),
    'strata copy file images@master:/cats archive@master:/2024/cats',
  );

  withExample(
    nounCommand(program, 'delete', 'file')
      .summary('Delete files or directories')
      .description('Delete files (and, with -r, directories) from a branch or an open commit, as one change')
      .argument(
        '<repo@branch:/path...>',
        'paths to delete; after the first, a path alone (/b) means the same branch',
      )
      .option('-r, --recursive', 'delete directories and everything under them')
      .action(async (texts: string[], options: { recursive?: boolean }) => {
        const recursive = options.recursive ?? false;
        const { ref, paths } = parseDeleteTargets(texts, recursive);
        const commit = await withService(async (service) => {
          for (const path of paths) {
            const info = await service.statFile({ ...ref, path });
            if (info.type === 'dir' && !recursive) {
              throw new InvalidArgumentError(
                `${formatCommitRef(ref)}:${path} is a directory: add -r to delete it and everything under it`,
              );
            }
          }
          return service.deleteFiles(ref, paths);
        });
        writeLine(
          `deleted ${plural(paths.length, 'path')} from ${formatCommitRef(ref)}: commit ${commit.id}`,
        );
      }),
    'strata delete file images@master:/cats/tabby.png',
    'strata delete file images@master:/old /tmp -r',
  );
}
