/**
 * The pid file that marks a Strata home as served by a running local engine:
 * `<home>/engine.pid`, holding `{"pid": …, "started": "<ISO time>"}`.
 *
 * Rules:
 * - The file is written aside and hard-linked into place, which fails when the name exists: of
 *   two engines starting on one home at once exactly one wins, and no reader sees half a file.
 * - A file whose process is gone, or that does not parse, is stale: the next engine removes it
 *   and claims the home. A process is alive when signal 0 reaches it (or is refused: another user's).
 * - The owner removes the file when it stops, and only while the file still names the owner.
 */
import { randomBytes } from 'node:crypto';
import { link, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ConflictError } from '../../../versioning/errors.ts';

export const PID_FILE_NAME = 'engine.pid';

const daemonOwnerSchema = z.object({
  pid: z.number().int().positive(),
  started: z.iso.datetime(),
});
export type DaemonOwner = z.output<typeof daemonOwnerSchema>;

export function pidFilePath(home: string): string {
  return join(home, PID_FILE_NAME);
}

/** The live engine that owns `home`, or undefined when none does (no pid file, or a stale one). */
export async function findRunningDaemon(home: string): Promise<DaemonOwner | undefined> {
  const found = await readPidFile(pidFilePath(home));
  return found?.owner && isProcessAlive(found.owner.pid) ? found.owner : undefined;
}

/** True when a live local engine owns `home`: CLI commands then leave the work to it. */
export async function isDaemonRunning(home: string): Promise<boolean> {
  return (await findRunningDaemon(home)) !== undefined;
}

export interface HomeClaim {
  readonly owner: DaemonOwner;
  /** True when a stale pid file (of a process that is gone) was removed to make the claim. */
  readonly replacedStale: DaemonOwner | 'unreadable' | undefined;
  /** Removes the pid file if it still names this owner. */
  release(): Promise<void>;
}

/**
 * Writes the pid file for this process, or throws ConflictError naming the live engine that
 * owns the home already.
 */
export async function claimHome(home: string, now: Date = new Date()): Promise<HomeClaim> {
  const path = pidFilePath(home);
  const owner: DaemonOwner = { pid: process.pid, started: now.toISOString() };
  const text = `${JSON.stringify(owner)}\n`;
  let replacedStale: HomeClaim['replacedStale'];
  // Two rounds: the second follows the removal of a stale file.
  for (let round = 0; round < 2; round += 1) {
    if (await createExclusive(path, text)) {
      return {
        owner,
        replacedStale,
        release: async () => {
          const current = await readPidFile(path);
          if (current?.text === text) await rm(path, { force: true });
        },
      };
    }
    const found = await readPidFile(path);
    if (found === undefined) continue; // removed since: try again
    if (found.owner && isProcessAlive(found.owner.pid)) {
      throw new ConflictError(
        `a local engine is already running on ${home} (pid ${found.owner.pid}, started ${found.owner.started}); ` +
          `stop it first (Ctrl-C in its terminal, or 'kill ${found.owner.pid}'), or use another STRATA_HOME`,
      );
    }
    replacedStale = found.owner ?? 'unreadable';
    // Remove only the stale content read above, not a file another engine has written since.
    const again = await readPidFile(path);
    if (again?.text === found.text) await rm(path, { force: true });
  }
  throw new ConflictError(
    `could not claim ${path}: another local engine is starting on ${home} at the same time; try again`,
  );
}

/** Writes the whole file aside, then links it into place: readers never see it half-written. */
async function createExclusive(path: string, text: string): Promise<boolean> {
  const aside = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(aside, text, { flag: 'wx' });
  try {
    await link(aside, path);
    return true;
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw error;
  } finally {
    await rm(aside, { force: true });
  }
}

async function readPidFile(
  path: string,
): Promise<{ text: string; owner: DaemonOwner | undefined } | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  }
  let owner: DaemonOwner | undefined;
  try {
    owner = daemonOwnerSchema.parse(JSON.parse(text));
  } catch {
    owner = undefined;
  }
  return { text, owner };
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return errorCode(error) === 'EPERM';
  }
}

function errorCode(error: unknown): unknown {
  return error instanceof Error && 'code' in error ? error.code : undefined;
}
