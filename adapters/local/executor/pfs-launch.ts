/**
 * How a datum's command is started so that it finds its files at /pfs, in order of preference:
 *
 * 1. `docker` / `podman`: when the transform names an image and the engine answers `info`. The
 *    inputs are bind-mounted read-only at /pfs/<input>, the output directory at /pfs/out; `cmd`
 *    replaces the image's entrypoint (as in Pachyderm), or the image's own runs when `cmd` is empty.
 * 2. `bwrap` (bubblewrap): a host process in a mount namespace whose root holds the host's own
 *    top-level directories, plus the datum's tree at /pfs (inputs read-only). Building the root
 *    from the host's entries, rather than binding / itself, means no /pfs directory has to exist
 *    on the host, so it works for users who cannot create one.
 * 3. `host-env`: a plain host process. The tree stays in the scratch directory; $PFS names it, and
 *    every `/pfs` path in the command's arguments, stdin lines and working_dir is rewritten to it.
 *    Paths hard-coded in the user's own files are not rewritten: such code should read $PFS.
 *
 * Probes run once per process and are cached: an engine that does not answer within a few
 * seconds counts as absent.
 */
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, readdir, readlink, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { InvalidArgumentError } from '../../../versioning/errors.ts';

export type ContainerEngine = 'docker' | 'podman';

const PROBE_TIMEOUT_MS = 5000;
const probes = new Map<string, Promise<boolean>>();

function exitsZero(file: string, args: readonly string[]): Promise<boolean> {
  return new Promise((done) => {
    execFile(file, args, { timeout: PROBE_TIMEOUT_MS }, (error) => done(error === null));
  });
}

/** True when `<engine> info` succeeds: the CLI is installed and a daemon (or Podman) answers. */
export function isContainerEngineReachable(engine: ContainerEngine): Promise<boolean> {
  let probe = probes.get(engine);
  if (probe === undefined) {
    probe = exitsZero(engine, ['info', '--format', '{{.ServerVersion}}']);
    probes.set(engine, probe);
  }
  return probe;
}

/** True when bubblewrap is installed and may create the sandbox used for datums on this machine. */
export function isBubblewrapUsable(): Promise<boolean> {
  let probe = probes.get('bwrap');
  if (probe === undefined) {
    probe = (async () => {
      const pfsDir = await mkdtemp(join(tmpdir(), 'strata-bwrap-probe-'));
      try {
        const args = bwrapArgs({ rootEntries: await readRootEntries(), pfsDir, inputNames: [], cwd: '/' });
        return await exitsZero('bwrap', [...args, 'true']);
      } finally {
        await rm(pfsDir, { recursive: true, force: true });
      }
    })();
    probes.set('bwrap', probe);
  }
  return probe;
}

/** A top-level entry of the host's root directory, as bubblewrap should recreate it. */
export type RootEntry =
  | { readonly name: string; readonly kind: 'bind' }
  | { readonly name: string; readonly kind: 'symlink'; readonly target: string };

export async function readRootEntries(): Promise<RootEntry[]> {
  const entries: RootEntry[] = [];
  for (const entry of await readdir('/', { withFileTypes: true })) {
    if (entry.isSymbolicLink()) {
      entries.push({ name: entry.name, kind: 'symlink', target: await readlink(`/${entry.name}`) });
    } else if (entry.isDirectory() || entry.isFile()) {
      entries.push({ name: entry.name, kind: 'bind' });
    }
  }
  return entries;
}

/** /dev and /proc are made by bubblewrap itself; /pfs is the datum's. */
const ROOT_ENTRIES_NOT_BOUND = new Set(['dev', 'proc', 'pfs']);

export interface BwrapLayout {
  readonly rootEntries: readonly RootEntry[];
  readonly pfsDir: string;
  readonly inputNames: readonly string[];
  /** The working directory inside the sandbox. */
  readonly cwd: string;
}

/**
 * bubblewrap's arguments up to and including '--'; the command follows. The PID namespace ends
 * every process of the datum when its command exits; host /dev is kept so GPUs stay visible.
 * No --die-with-parent: on a timeout's SIGTERM bwrap goes first, and the command must still get
 * its grace period (the executor's SIGKILL to the process group ends the sandbox after it).
 */
export function bwrapArgs(layout: BwrapLayout): string[] {
  const args = ['--unshare-pid'];
  for (const entry of layout.rootEntries) {
    if (ROOT_ENTRIES_NOT_BOUND.has(entry.name)) continue;
    const path = `/${entry.name}`;
    if (entry.kind === 'symlink') args.push('--symlink', entry.target, path);
    else args.push('--bind', path, path);
  }
  args.push('--dev-bind', '/dev', '/dev', '--proc', '/proc', '--bind', layout.pfsDir, '/pfs');
  for (const name of layout.inputNames) args.push('--ro-bind', join(layout.pfsDir, name), `/pfs/${name}`);
  args.push('--chdir', layout.cwd, '--');
  return args;
}

export interface ContainerLayout {
  readonly containerName: string;
  readonly image: string;
  readonly cmd: readonly string[];
  readonly pfsDir: string;
  readonly inputNames: readonly string[];
  /** Names only: the values travel in the CLI's own environment, never on its command line. */
  readonly envNames: readonly string[];
  /** null keeps the image's WORKDIR, as Pachyderm does. */
  readonly workingDir: string | null;
}

/** `<engine>` arguments that run the datum in a container; the same for Docker and Podman. */
export function containerRunArgs(layout: ContainerLayout): string[] {
  if (/[:,]/.test(layout.pfsDir)) {
    throw new InvalidArgumentError(
      `scratch directory ${layout.pfsDir} contains ':' or ',', which a container volume cannot name: choose another scratch directory`,
    );
  }
  const args = ['run', '--rm', '-i', '--name', layout.containerName];
  for (const name of layout.inputNames) args.push('-v', `${join(layout.pfsDir, name)}:/pfs/${name}:ro`);
  args.push('-v', `${join(layout.pfsDir, 'out')}:/pfs/out`);
  for (const name of layout.envNames) args.push('-e', name);
  if (layout.workingDir !== null) args.push('-w', layout.workingDir);
  const [entrypoint, ...rest] = layout.cmd;
  if (entrypoint !== undefined) args.push('--entrypoint', entrypoint);
  args.push(layout.image, ...rest);
  return args;
}

/** Stops a named container; used on timeout and stop, since killing its CLI may leave it running. */
export function signalContainer(engine: ContainerEngine, containerName: string, signal: string): void {
  execFile(engine, ['kill', '--signal', signal, containerName], { timeout: PROBE_TIMEOUT_MS }, () => {});
}

/** Where a path the code sees under /pfs lies on the host. */
export function hostPathOf(sandboxPath: string, pfsDir: string): string {
  if (sandboxPath === '/pfs') return pfsDir;
  if (sandboxPath.startsWith('/pfs/')) return join(pfsDir, sandboxPath.slice('/pfs/'.length));
  return sandboxPath;
}

/** Whether `command` names an executable file, directly or through `pathVariable`. */
export async function findCommand(
  command: string,
  pathVariable: string,
  cwd: string,
): Promise<'found' | 'not-executable' | 'missing'> {
  const candidates = command.includes('/')
    ? [resolve(cwd, command)]
    : pathVariable.split(delimiter).map((dir) => resolve(cwd, dir === '' ? '.' : dir, command));
  let sawFile = false;
  for (const candidate of candidates) {
    const isFile = await stat(candidate).then(
      (info) => info.isFile(),
      () => false,
    );
    if (!isFile) continue;
    sawFile = true;
    const executable = await access(candidate, constants.X_OK).then(
      () => true,
      () => false,
    );
    if (executable) return 'found';
  }
  return sawFile ? 'not-executable' : 'missing';
}

export async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (info) => info.isDirectory(),
    () => false,
  );
}
