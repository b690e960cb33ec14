/**
 * A datum's scratch space: `<scratch root>/<datum>-<random>/pfs/<input>/…` and `pfs/out/`.
 *
 * Rules:
 * - Each run gets its own directory (the random suffix), so the same datum can run twice at once.
 * - Input files are streamed to disk, never held in memory, and left read-only (files 0444,
 *   directories 0555). Root ignores those modes, so after every attempt the input trees are also
 *   compared with what was written: a change fails the attempt, whoever made it.
 * - Removal first restores write permission where the modes (ours or the code's) forbid it.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, type Dirent } from 'node:fs';
import { chmod, lstat, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DatumInputFile } from '../../../pipelines/executor.ts';
import { InvalidArgumentError } from '../../../versioning/errors.ts';
import { parseFilePath } from '../../../versioning/ids.ts';

export interface DatumScratch {
  /** The datum's directory: the parent of the pfs tree. */
  readonly dir: string;
  /** Seen by the user's code as /pfs. */
  readonly pfsDir: string;
  readonly outDir: string;
}

/** What was written for the inputs, to tell whether an attempt changed them. */
export interface InputSnapshot {
  /** `<input>/<path>` → identity of the file as written. */
  readonly files: ReadonlyMap<string, string>;
  /** `<input>` and `<input>/<dir>`: every directory of the input trees. */
  readonly dirs: ReadonlySet<string>;
}

/** Files written at once while materialising: enough to overlap reads, few enough for any disk. */
const MATERIALISE_CONCURRENCY = 8;
const SAFE_SEGMENT = /^[A-Za-z0-9_.-]{1,80}$/;

export async function createDatumScratch(scratchRoot: string, datumId: string): Promise<DatumScratch> {
  const label = SAFE_SEGMENT.test(datumId) && !datumId.startsWith('.') ? datumId : 'datum';
  const dir = join(scratchRoot, `${label}-${randomBytes(6).toString('hex')}`);
  const pfsDir = join(dir, 'pfs');
  const outDir = join(pfsDir, 'out');
  await mkdir(outDir, { recursive: true });
  return { dir, pfsDir, outDir };
}

/**
 * Writes every input file under pfs/<input>/, creates pfs/<input>/ for inputs without files, and
 * makes the trees read-only.
 */
export async function materialiseInputs(
  scratch: DatumScratch,
  inputNames: readonly string[],
  files: readonly DatumInputFile[],
  signal: AbortSignal | undefined,
): Promise<InputSnapshot> {
  const dirs = new Set<string>();
  for (const name of inputNames) {
    await mkdir(join(scratch.pfsDir, name), { recursive: true });
    dirs.add(name);
  }
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const file = files[next++]!;
      signal?.throwIfAborted();
      const segments = parseFilePath(file.path).slice(1).split('/');
      for (let depth = 1; depth < segments.length; depth++) {
        dirs.add([file.inputName, ...segments.slice(0, depth)].join('/'));
      }
      await writeInputFile(scratch, file, segments, signal);
    }
  };
  await Promise.all(Array.from({ length: Math.min(MATERIALISE_CONCURRENCY, files.length) }, worker));
  // Deepest first, so no directory is closed before its children are done.
  for (const dir of [...dirs].sort((a, b) => b.length - a.length)) {
    await chmod(join(scratch.pfsDir, dir), 0o555);
  }
  return { files: await snapshotFiles(scratch, files), dirs };
}

async function writeInputFile(
  scratch: DatumScratch,
  file: DatumInputFile,
  segments: readonly string[],
  signal: AbortSignal | undefined,
): Promise<void> {
  const target = join(scratch.pfsDir, file.inputName, ...segments);
  try {
    await mkdir(join(scratch.pfsDir, file.inputName, ...segments.slice(0, -1)), { recursive: true });
    // 'wx': a path listed twice, or a file that is also another file's directory, is an error.
    const sink = createWriteStream(target, { flags: 'wx', mode: 0o444 });
    if (file.empty === true) {
      await pipeline(Readable.from([]), sink, { signal });
    } else {
      await pipeline(Readable.from(file.open()), sink, { signal });
    }
  } catch (error) {
    const code = errorCode(error);
    if (code === 'EEXIST' || code === 'ENOTDIR') {
      throw new InvalidArgumentError(
        `input file /pfs/${file.inputName}${file.path} collides with another input file: a path cannot be both a file and a directory`,
        { cause: error },
      );
    }
    throw error;
  }
}

async function snapshotFiles(
  scratch: DatumScratch,
  files: readonly DatumInputFile[],
): Promise<Map<string, string>> {
  const snapshot = new Map<string, string>();
  for (const file of files) {
    const key = `${file.inputName}${parseFilePath(file.path)}`;
    snapshot.set(key, await fileIdentity(join(scratch.pfsDir, key)));
  }
  return snapshot;
}

/** Changes on any write, truncation, replacement or chmod (ctime moves with each of them). */
async function fileIdentity(path: string): Promise<string> {
  const info = await lstat(path, { bigint: true });
  return `${info.mode}:${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`;
}

/**
 * The first difference between the input trees and the snapshot, as a /pfs path with what
 * happened to it; null when the inputs are as written.
 */
export async function findInputChange(
  scratch: DatumScratch,
  snapshot: InputSnapshot,
): Promise<string | null> {
  const seen = new Set<string>();
  const roots = [...snapshot.dirs].filter((dir) => !dir.includes('/'));
  const pending = [...roots];
  while (pending.length > 0) {
    const dir = pending.pop()!;
    let entries: Dirent[];
    try {
      entries = await readdir(join(scratch.pfsDir, dir), { withFileTypes: true });
    } catch {
      return `/pfs/${dir} was removed`;
    }
    for (const entry of entries) {
      const key = `${dir}/${entry.name}`;
      if (entry.isDirectory() && snapshot.dirs.has(key)) {
        pending.push(key);
      } else if (snapshot.files.has(key)) {
        seen.add(key);
        if ((await fileIdentity(join(scratch.pfsDir, key))) !== snapshot.files.get(key)) {
          return `/pfs/${key} was modified`;
        }
      } else {
        return `/pfs/${key} was created`;
      }
    }
  }
  for (const dir of snapshot.dirs) {
    const exists = await stat(join(scratch.pfsDir, dir)).then(
      (info) => info.isDirectory(),
      () => false,
    );
    if (!exists) return `/pfs/${dir} was removed`;
  }
  for (const key of snapshot.files.keys()) {
    if (!seen.has(key)) return `/pfs/${key} was removed`;
  }
  return null;
}

/** Removes everything under pfs/ but out/, so the inputs can be written again. */
export async function removeInputs(scratch: DatumScratch): Promise<void> {
  for (const entry of await readdir(scratch.pfsDir)) {
    if (entry !== 'out') await removeTree(join(scratch.pfsDir, entry));
  }
}

/** Empties pfs/out before an attempt. */
export async function resetOutputDir(scratch: DatumScratch): Promise<void> {
  await removeTree(scratch.outDir);
  await mkdir(scratch.outDir);
}

/** `rm -rf`, restoring write permission on directories first when the modes forbid removal. */
export async function removeTree(path: string): Promise<void> {
  try {
    await rm(path, { recursive: true, force: true });
  } catch (error) {
    const code = errorCode(error);
    if (code !== 'EACCES' && code !== 'EPERM') throw error;
    await makeDirectoriesWritable(path);
    await rm(path, { recursive: true, force: true });
  }
}

async function makeDirectoriesWritable(path: string): Promise<void> {
  const info = await lstat(path).catch(() => null);
  if (info === null || !info.isDirectory()) return;
  await chmod(path, 0o755);
  for (const entry of await readdir(path, { withFileTypes: true })) {
    if (entry.isDirectory()) await makeDirectoriesWritable(join(path, entry.name));
  }
}

export function errorCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}
