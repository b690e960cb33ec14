/**
 * Runs one command of a datum (an attempt of `cmd`, or `err_cmd`) in the datum's execution mode,
 * and says in the user's terms how it ended.
 *
 * The environment is the host's PATH and HOME (not the rest of the host's environment, which may
 * hold credentials), then the transform's `env`, then the platform's variables. In a container
 * only the last two are passed: the image brings its own PATH.
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import {
  type DatumRun,
  datumEnvironment,
  type ExecutionMode,
  isAcceptedExitCode,
  LogTail,
  PFS_ROOT,
  rewritePfsPaths,
} from '../../../pipelines/executor.ts';
import type { DatumScratch } from './datum-scratch.ts';
import {
  bwrapArgs,
  type ContainerEngine,
  containerRunArgs,
  findCommand,
  hostPathOf,
  isDirectory,
  readRootEntries,
  signalContainer,
} from './pfs-launch.ts';
import { type ProcessEnd, runProcess } from './run-process.ts';

export interface DatumContext {
  readonly run: DatumRun;
  readonly mode: ExecutionMode;
  readonly scratch: DatumScratch;
  readonly inputNames: readonly string[];
  readonly stdout: LogTail;
  readonly stderr: LogTail;
  readonly killGraceMs: number;
}

export interface CommandResult {
  readonly ok: boolean;
  /** null when the command did not exit by itself (or never started). */
  readonly exitCode: number | null;
  readonly stopped: boolean;
  /** False when another attempt cannot end differently (the command does not exist). */
  readonly retryable: boolean;
  readonly error?: string;
}

interface LaunchPlan {
  readonly file: string;
  readonly args: readonly string[];
  readonly env: Record<string, string>;
  readonly cwd: string;
  readonly stdinText: string;
  /** The user's command is the process itself (no sandbox or container CLI in front of it). */
  readonly direct: boolean;
  readonly onTerminate?: (signal: 'SIGTERM' | 'SIGKILL') => void;
}

/** Enough of an attempt's stderr to recognise a permission error near its end. */
const HINT_WINDOW_BYTES = 64 * 1024;
const PERMISSION_ERROR = /Read-only file system|EROFS|Permission denied|EACCES/;

export async function runDatumCommand(
  ctx: DatumContext,
  argv: readonly string[],
  stdin: readonly string[],
): Promise<CommandResult> {
  const plan = await planLaunch(ctx, argv, stdin);
  if (typeof plan === 'string') {
    return { ok: false, exitCode: null, stopped: false, retryable: false, error: plan };
  }
  const attemptStderr = new LogTail(HINT_WINDOW_BYTES);
  const end = await runProcess({
    ...plan,
    timeoutMs: ctx.run.datumTimeoutMs,
    killGraceMs: ctx.killGraceMs,
    signal: ctx.run.signal,
    stdout: ctx.stdout,
    stderr: {
      append: (bytes) => {
        ctx.stderr.append(bytes);
        attemptStderr.append(bytes);
      },
    },
  });
  return interpretEnd(ctx, argv, plan, end, attemptStderr.text());
}

function hostBaseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ['PATH', 'HOME']) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

function stdinText(lines: readonly string[], rewrite: (line: string) => string): string {
  return lines.length === 0 ? '' : `${lines.map(rewrite).join('\n')}\n`;
}

/** The process to start, or why none can be (a message for the datum's error). */
async function planLaunch(
  ctx: DatumContext,
  argv: readonly string[],
  stdin: readonly string[],
): Promise<LaunchPlan | string> {
  const { run, scratch, mode } = ctx;
  const workingDir = run.transform.workingDir;
  if (mode === 'docker' || mode === 'podman') return planContainer(ctx, mode, argv, stdin);

  if (argv[0] === undefined) {
    return 'transform.cmd is empty: a host process needs a command (only a container image can supply its own)';
  }
  if (mode === 'bwrap') {
    const env = { ...hostBaseEnv(), ...datumEnvironment(run, PFS_ROOT) };
    const cwd = resolve('/', workingDir ?? '/');
    const toHost = (path: string): string => hostPathOf(path, scratch.pfsDir);
    const problem = await checkCommand(argv[0], env.PATH ?? '', cwd, toHost, workingDir);
    if (problem !== null) return problem;
    const sandbox = bwrapArgs({
      rootEntries: await readRootEntries(),
      pfsDir: scratch.pfsDir,
      inputNames: ctx.inputNames,
      cwd,
    });
    return {
      file: 'bwrap',
      args: [...sandbox, ...argv],
      env,
      cwd: scratch.dir,
      stdinText: stdinText(stdin, (line) => line),
      direct: false,
    };
  }

  const rewrite = (text: string): string => rewritePfsPaths(text, scratch.pfsDir);
  const args = argv.map(rewrite);
  const env = { ...hostBaseEnv(), ...datumEnvironment(run, scratch.pfsDir) };
  const cwd = workingDir === null ? scratch.dir : resolve(scratch.dir, rewrite(workingDir));
  const problem = await checkCommand(args[0]!, env.PATH ?? '', cwd, (path) => path, workingDir);
  if (problem !== null) return problem;
  return {
    file: args[0]!,
    args: args.slice(1),
    env,
    cwd,
    stdinText: stdinText(stdin, rewrite),
    direct: true,
  };
}

/** Host modes check the command and working directory first, for a clear error instead of ENOENT. */
async function checkCommand(
  command: string,
  pathVariable: string,
  cwd: string,
  toHost: (path: string) => string,
  workingDir: string | null,
): Promise<string | null> {
  const hostCwd = toHost(cwd);
  if (!(await isDirectory(hostCwd))) {
    return `working_dir ${workingDir ?? cwd} does not exist: create it, or remove transform.working_dir`;
  }
  const hostPath = pathVariable
    .split(':')
    .map((dir) => (dir.startsWith('/') ? toHost(dir) : dir))
    .join(':');
  const found = await findCommand(command.startsWith('/') ? toHost(command) : command, hostPath, hostCwd);
  if (found === 'missing') return `command not found: ${command}`;
  if (found === 'not-executable') return `command is not executable: ${command} (set its execute bit)`;
  return null;
}

function planContainer(
  ctx: DatumContext,
  engine: ContainerEngine,
  argv: readonly string[],
  stdin: readonly string[],
): LaunchPlan {
  const image = ctx.run.transform.image ?? '';
  const datumEnv = datumEnvironment(ctx.run, PFS_ROOT);
  const containerName = `strata-${randomBytes(8).toString('hex')}`;
  const cliEnv: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined) cliEnv[name] = value;
  return {
    file: engine,
    args: containerRunArgs({
      containerName,
      image,
      cmd: argv,
      pfsDir: ctx.scratch.pfsDir,
      inputNames: ctx.inputNames,
      envNames: Object.keys(datumEnv),
      workingDir: ctx.run.transform.workingDir,
    }),
    // The CLI needs its own settings (DOCKER_HOST, XDG_RUNTIME_DIR); `-e NAME` forwards the datum's.
    env: { ...cliEnv, ...datumEnv },
    cwd: ctx.scratch.dir,
    stdinText: stdinText(stdin, (line) => line),
    direct: false,
    onTerminate: (signal) => signalContainer(engine, containerName, signal),
  };
}

function interpretEnd(
  ctx: DatumContext,
  argv: readonly string[],
  plan: LaunchPlan,
  end: ProcessEnd,
  stderr: string,
): CommandResult {
  const name = argv[0] ?? `the entrypoint of image ${ctx.run.transform.image}`;
  const failed = (error: string, exitCode: number | null, retryable = true): CommandResult => ({
    ok: false,
    exitCode,
    stopped: false,
    retryable,
    error,
  });
  switch (end.kind) {
    case 'exited': {
      const code = end.exitCode;
      if (isAcceptedExitCode(code, ctx.run.transform.acceptReturnCode)) {
        return { ok: true, exitCode: code, stopped: false, retryable: true };
      }
      const inContainer = ctx.mode === 'docker' || ctx.mode === 'podman';
      if (inContainer && code === 125) {
        return failed(
          `${ctx.mode} could not run image ${ctx.run.transform.image} (exit 125): see the datum's log`,
          code,
        );
      }
      if (
        inContainer &&
        code === 127 &&
        /executable file not found|no such file or directory/i.test(stderr)
      ) {
        return failed(`command not found: ${name} (in image ${ctx.run.transform.image})`, code, false);
      }
      const hint = PERMISSION_ERROR.test(stderr)
        ? '; its log shows a permission error: inputs under /pfs/<input> are read-only, write results to /pfs/out'
        : '';
      return failed(`${name} exited with code ${code}${hint}`, code);
    }
    case 'signalled':
      return failed(`${name} was killed by ${end.signal}`, null);
    case 'timed-out':
      return failed(
        `${name} timed out after ${ctx.run.datumTimeoutMs} ms (datum_timeout) and was killed`,
        null,
      );
    case 'stopped':
      return {
        ok: false,
        exitCode: null,
        stopped: true,
        retryable: false,
        error: stopReason(ctx.run.signal),
      };
    case 'spawn-failed':
      if (plan.direct && end.code === 'ENOENT') return failed(`command not found: ${name}`, null, false);
      if (plan.direct && end.code === 'EACCES') {
        return failed(`command is not executable: ${name} (set its execute bit)`, null, false);
      }
      return failed(`could not start ${plan.file}: ${end.message}`, null, false);
  }
}

export function stopReason(signal: AbortSignal | undefined): string {
  const reason: unknown = signal?.reason;
  const detail = reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : '';
  return detail === '' ? 'stopped before the datum finished' : `stopped before the datum finished: ${detail}`;
}
