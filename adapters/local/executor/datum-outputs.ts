/**
 * Collects a datum's output: the files under pfs/out, as streaming handles.
 *
 * Rules:
 * - Only regular files are output; empty directories are dropped (a commit holds files).
 * - A symlink is output as the file (or directory tree) it points to, if that lies inside the
 *   datum's pfs tree: linking an input into /pfs/out is a common Pachyderm idiom. A target written
 *   as '/pfs/…' is read as the datum's own tree, whatever mode the code ran in. A link to anything
 *   outside the tree, a dangling link, a FIFO or a device is refused: the datum fails with the path.
 * - Nothing is read here; each handle opens its file when the caller streams it.
 */
import { createReadStream, type Dirent } from 'node:fs';
import { lstat, readdir, readlink, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { DatumOutputFile } from '../../../pipelines/executor.ts';
import { isStrataError } from '../../../versioning/errors.ts';
import { type FilePath, parseFilePath } from '../../../versioning/ids.ts';
import { hostPathOf } from './pfs-launch.ts';

/** The datum's output breaks a rule: a datum failure, not Strata's. */
export class OutputRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutputRejectedError';
  }
}

const MAX_LINK_HOPS = 40;

export async function collectOutputs(outDir: string, pfsDir: string): Promise<DatumOutputFile[]> {
  const realPfs = await realpath(pfsDir);
  const files: DatumOutputFile[] = [];
  await walk(outDir, '', new Set([await realpath(outDir)]), { pfsDir, realPfs, files });
  // Byte order of the UTF-8 paths, the order of a commit's file index.
  files.sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  return files;
}

interface WalkContext {
  readonly pfsDir: string;
  readonly realPfs: string;
  readonly files: DatumOutputFile[];
}

/** Walks `dir`, whose files appear at `/pfs/out<logical>/…`; `ancestors` guards against link cycles. */
async function walk(
  dir: string,
  logical: string,
  ancestors: ReadonlySet<string>,
  ctx: WalkContext,
): Promise<void> {
  const entries: Dirent[] = await readdir(dir, { withFileTypes: true });
  for (const entry of entries) {
    const path = join(dir, entry.name);
    const logicalPath = `${logical}/${entry.name}`;
    if (entry.isFile()) {
      await addFile(path, logicalPath, ctx);
    } else if (entry.isDirectory()) {
      await walk(path, logicalPath, new Set([...ancestors, await realpath(path)]), ctx);
    } else if (entry.isSymbolicLink()) {
      const target = await resolveLink(path, logicalPath, ctx);
      const info = await stat(target);
      if (info.isFile()) {
        await addFile(target, logicalPath, ctx);
      } else if (info.isDirectory()) {
        if (ancestors.has(target)) {
          throw new OutputRejectedError(
            `/pfs/out${logicalPath} is a symlink to its own parent: remove the loop`,
          );
        }
        await walk(target, logicalPath, new Set([...ancestors, target]), ctx);
      } else {
        throw new OutputRejectedError(
          `/pfs/out${logicalPath} links to a special file: only regular files are output`,
        );
      }
    } else {
      throw new OutputRejectedError(
        `/pfs/out${logicalPath} is a FIFO, socket or device: only regular files are output`,
      );
    }
  }
}

async function addFile(path: string, logicalPath: string, ctx: WalkContext): Promise<void> {
  let filePath: FilePath;
  try {
    filePath = parseFilePath(logicalPath);
  } catch (error) {
    if (!isStrataError(error)) throw error;
    throw new OutputRejectedError(`/pfs/out${logicalPath.slice(0, 80)} cannot be stored: ${error.message}`);
  }
  const { size } = await stat(path);
  ctx.files.push({ path: filePath, size, open: () => createReadStream(path) });
}

/** Follows a chain of links to a real path inside the datum's pfs tree, or refuses it. */
async function resolveLink(link: string, logicalPath: string, ctx: WalkContext): Promise<string> {
  let current = link;
  for (let hop = 0; hop < MAX_LINK_HOPS; hop++) {
    const target = await readlink(current);
    const next = isAbsolute(target) ? hostPathOf(target, ctx.pfsDir) : resolve(dirname(current), target);
    const info = await lstat(next).catch(() => null);
    if (info === null) {
      throw new OutputRejectedError(`/pfs/out${logicalPath} is a symlink to ${target}, which does not exist`);
    }
    if (!info.isSymbolicLink()) {
      const real = await realpath(next);
      const inside = relative(ctx.realPfs, real);
      if (inside === '') {
        throw new OutputRejectedError(
          `/pfs/out${logicalPath} is a symlink to /pfs itself, which holds /pfs/out`,
        );
      }
      if (isAbsolute(inside) || inside.split(sep)[0] === '..') {
        throw new OutputRejectedError(
          `/pfs/out${logicalPath} is a symlink to ${target}, outside /pfs: only files under /pfs can be output; copy the file instead`,
        );
      }
      return real;
    }
    current = next;
  }
  throw new OutputRejectedError(`/pfs/out${logicalPath} is a chain of more than ${MAX_LINK_HOPS} symlinks`);
}
