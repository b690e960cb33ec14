/**
 * `get file`: a file to stdout or a local file, or a directory tree (with -r) into a local
 * directory. The ref is pinned to one commit first, so a branch moving meanwhile cannot mix two
 * snapshots in one tree.
 */
import { createWriteStream, writeFile } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import type { Command } from 'commander';
import type { FileInfo, VersioningApi } from '../../versioning/api.ts';
import { InvalidArgumentError } from '../../versioning/errors.ts';
import { type FileRef, parseFileRef } from '../../versioning/refs.ts';
import { dirPrefix } from '../../versioning/tree/types.ts';
import { withService } from '../backend.ts';
import { humanBytes, plural, writeLine } from '../format.ts';
import { localPathFor, mapOrdered } from '../local-files.ts';
import { nounCommand, withExample } from '../program.ts';
import { type Progress, startProgress } from '../progress.ts';

/** Files written at once when getting a tree. */
const PARALLEL_FILES = 16;
/** Files up to this size are gathered in memory and written in one call; larger ones stream. */
const WHOLE_FILE_MAX_BYTES = 256 * 1024;
/** The callback API on raw descriptors: much lighter per file than FileHandle or a stream. */
const writeWhole = promisify(writeFile);

interface GetOptions {
  readonly output?: string;
  readonly recursive?: boolean;
}

async function isDirectory(local: string): Promise<boolean> {
  return (await stat(local).catch(() => undefined))?.isDirectory() ?? false;
}

/** Counts bytes as they pass, for the progress line. */
function counting(onBytes: (count: number) => void): Transform {
  return new Transform({
    transform(chunk: Uint8Array, _encoding, done) {
      onBytes(chunk.length);
      done(null, chunk);
    },
  });
}

async function copyOut(service: VersioningApi, ref: FileRef, target: Writable, onBytes: (n: number) => void) {
  // Standard output is never ended: it belongs to the process, not to this copy.
  await pipeline(Readable.from(service.readFile(ref)), counting(onBytes), target, {
    end: target !== process.stdout,
  });
}

/** The ref with its branch resolved to a commit ID, so every read sees the same snapshot. */
async function pinned(service: VersioningApi, ref: FileRef): Promise<FileRef> {
  const commit = await service.inspectCommit(ref);
  return { repo: ref.repo, base: { kind: 'commit', commit: commit.id }, ancestors: 0, path: ref.path };
}

/** One file to standard output, to the file `output`, or into the directory `output`. */
async function getFile(service: VersioningApi, ref: FileRef, info: FileInfo, output: string | undefined) {
  const progress = startProgress('get', info.size);
  let bytes = 0;
  const onBytes = (count: number): void => {
    bytes += count;
    progress.update(1, bytes);
  };
  try {
    if (output === undefined) {
      await copyOut(service, ref, process.stdout, onBytes).catch(ignoreClosedReader);
      return;
    }
    const local = (await isDirectory(output)) ? join(output, basename(ref.path)) : output;
    await copyOut(service, ref, createWriteStream(local), onBytes);
  } finally {
    progress.done();
  }
}

async function getTree(
  service: VersioningApi,
  ref: FileRef,
  out: string,
  progress: Progress,
): Promise<number> {
  await mkdir(out, { recursive: true });
  const prefix = dirPrefix(ref.path);
  const madeDirs = new Set<string>();
  let files = 0;
  let bytes = 0;
  const onBytes = (count: number): void => {
    bytes += count;
    progress.update(files, bytes);
  };
  const writeOne = async (file: FileInfo): Promise<void> => {
    const local = localPathFor(out, file.path.slice(prefix.length));
    const dir = dirname(local);
    if (!madeDirs.has(dir)) {
      await mkdir(dir, { recursive: true });
      madeDirs.add(dir);
    }
    const source = { ...ref, path: file.path };
    if (file.size <= WHOLE_FILE_MAX_BYTES) {
      const parts: Uint8Array[] = [];
      for await (const part of service.readFile(source)) parts.push(part);
      await writeWhole(local, Buffer.concat(parts));
      onBytes(file.size);
    } else {
      await copyOut(service, source, createWriteStream(local), onBytes);
    }
    files += 1;
  };
  const walked = (async function* () {
    for await (const file of service.walkFiles(ref)) if (file.type === 'file') yield file;
  })();
  for await (const _ of mapOrdered(walked, writeOne, PARALLEL_FILES)) {
    // Draining the pool; each result is already on disk.
  }
  return files;
}

export function registerGetFileCommand(program: Command): void {
  withExample(
    nounCommand(program, 'get', 'file')
      .summary('Get a file or a directory out of a repo')
      .description(
        'Write a file to standard output or a local file, or a directory (-r) into a local directory',
      )
      .argument('<repo@ref:/path>', 'the file or directory, e.g. images@master:/cats/tabby.png')
      .option(
        '-o, --output <local>',
        'write here instead of standard output (for a directory: the local directory)',
      )
      .option('-r, --recursive', 'get a directory and everything under it (needs -o)')
      .action(async (refText: string, options: GetOptions) => {
        const asked = parseFileRef(refText, { allowRoot: true });
        await withService(async (service) => {
          const ref = await pinned(service, asked);
          const info = await service.statFile(ref);
          if (info.type === 'file') return getFile(service, ref, info, options.output);
          if (!options.recursive || options.output === undefined) {
            const missing = options.recursive
              ? '-o DIR to say where to write it'
              : '-r -o DIR to write it and everything under it';
            throw new InvalidArgumentError(`${refText} is a directory: add ${missing}`);
          }
          const progress = startProgress('get', info.size);
          const files = await getTree(service, ref, options.output, progress).finally(() => progress.done());
          writeLine(`wrote ${plural(files, 'file')}, ${humanBytes(info.size)} to ${options.output}`);
        });
      }),
    'strata get file images@master:/cats/tabby.png -o tabby.png',
    'strata get file images@master^:/data.csv | head',
    'strata get file images@master:/cats -r -o ./cats',
  );
}

/** `strata get file … | head` closes the pipe early; that is the reader's choice, not an error. */
function ignoreClosedReader(error: unknown): void {
  if (error instanceof Error && 'code' in error && error.code === 'EPIPE') return;
  throw error;
}
