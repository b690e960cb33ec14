/**
 * The peers Strata is compared with, run as their users run them. A peer that is not on PATH is
 * reported as absent; nothing here installs anything.
 *
 * - restic: a local repository, password from RESTIC_PASSWORD, `--no-cache` (its cache only
 *   mirrors repository metadata, which for a local repository is on the same disk anyway).
 * - git: GIT_DIR outside the data folder, so the data stays untouched for other systems; system
 *   and global configuration ignored; the identity set in the repository's own config.
 */
import { join } from 'node:path';
import type { BenchContext, Peer, Peers } from './context.ts';
import { findExecutable, type ProcessRun, runMeasured, runQuiet } from './process.ts';

async function detect(name: string, versionArgs: readonly string[]): Promise<Peer> {
  const path = findExecutable(name);
  if (path === undefined) return { installed: false };
  const version = (await runQuiet(path, versionArgs)).trim().split('\n')[0] ?? '';
  return { installed: true, path, version };
}

export async function detectPeers(): Promise<Peers> {
  return { restic: await detect('restic', ['version']), git: await detect('git', ['--version']) };
}

export const RESTIC_PASSWORD = 'strata-bench';

export function restic(
  ctx: BenchContext,
  peer: Peer,
  repo: string,
  args: readonly string[],
): Promise<ProcessRun> {
  if (!peer.installed) throw new Error('restic is not installed');
  return runMeasured(peer.path, ['--repo', repo, '--no-cache', '--quiet', ...args], ctx.timeFile(), {
    env: { RESTIC_PASSWORD },
  });
}

export function git(
  ctx: BenchContext,
  peer: Peer,
  gitDir: string,
  workTree: string,
  args: readonly string[],
): Promise<ProcessRun> {
  if (!peer.installed) throw new Error('git is not installed');
  return runMeasured(peer.path, args, ctx.timeFile(), {
    cwd: workTree,
    env: {
      GIT_DIR: gitDir,
      GIT_WORK_TREE: workTree,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      HOME: join(gitDir, '..'),
    },
  });
}
