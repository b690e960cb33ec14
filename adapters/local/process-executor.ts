/**
 * The local Executor: runs each datum as a process on this machine, in a Docker or Podman
 * container when the transform names an image and an engine answers, else as a host process
 * under bubblewrap (a real /pfs) or, as the fallback, with the tree exposed as $PFS and `/pfs`
 * paths in the command rewritten (see executor/pfs-launch.ts for the three modes).
 *
 * Choices where Pachyderm leaves room:
 * - Every attempt starts from the same tree: /pfs/out is emptied, and inputs an attempt changed
 *   are written again.
 * - A missing command or working directory is not retried (no attempt could end differently), but
 *   err_cmd still runs.
 * - err_cmd succeeds when it exits 0 or with a code in accept_return_code. Its datum is then
 *   'recovered': no output is kept and it does not fail the job (as in Pachyderm).
 * - `datumTimeoutMs` limits each attempt and err_cmd, not materialising the inputs.
 * - Several datums may run at once; each has its own scratch directory. How many run at once is
 *   the caller's choice (parallelism_spec).
 *
 * Known gaps: in a container the code runs as the image's user; with a rootful Docker engine the
 * files it writes may be owned by root, and cleanup() then fails to remove them for other users.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  type DatumOutcome,
  type DatumOutputFile,
  type DatumRun,
  type DatumState,
  DEFAULT_DATUM_TRIES,
  DEFAULT_LOG_LIMIT_BYTES,
  type ExecutionMode,
  type Executor,
  LogTail,
  validateDatumRun,
} from '../../pipelines/executor.ts';
import { InvalidArgumentError, UnavailableError } from '../../versioning/errors.ts';
import {
  type CommandResult,
  type DatumContext,
  runDatumCommand,
  stopReason,
} from './executor/datum-command.ts';
import { collectOutputs, OutputRejectedError } from './executor/datum-outputs.ts';
import {
  createDatumScratch,
  type DatumScratch,
  findInputChange,
  materialiseInputs,
  removeInputs,
  removeTree,
  resetOutputDir,
} from './executor/datum-scratch.ts';
import {
  type ContainerEngine,
  isBubblewrapUsable,
  isContainerEngineReachable,
} from './executor/pfs-launch.ts';

export {
  bwrapArgs,
  type ContainerLayout,
  containerRunArgs,
  isBubblewrapUsable,
  isContainerEngineReachable,
} from './executor/pfs-launch.ts';

export interface ProcessExecutorProps {
  /** Where each datum gets its scratch directory; created when absent. */
  readonly scratchDir: string;
  /** @default 'auto' - Docker, then Podman, whichever answers, when the transform names an image */
  readonly containerEngine?: 'auto' | ContainerEngine | 'none';
  /** How a host process sees /pfs. @default 'auto' - bubblewrap when it works here, else 'host-env' */
  readonly hostIsolation?: 'auto' | 'bwrap' | 'host-env';
  /** Between SIGTERM and SIGKILL when a datum times out. @default 5000 */
  readonly killGraceMs?: number;
  /** Bytes of stdout and of stderr kept per datum. @default 1 MiB */
  readonly logLimitBytes?: number;
}

export interface ExecutorCapabilities {
  /** The engine used for transforms with an image; null runs them on the host. */
  readonly containerEngine: ContainerEngine | null;
  readonly hostMode: 'bwrap' | 'host-env';
}

export class ProcessExecutor implements Executor {
  readonly scratchDir: string;
  readonly #containerEngine: 'auto' | ContainerEngine | 'none';
  readonly #hostIsolation: 'auto' | 'bwrap' | 'host-env';
  readonly #killGraceMs: number;
  readonly #logLimitBytes: number;

  constructor(props: ProcessExecutorProps) {
    this.scratchDir = resolve(props.scratchDir);
    this.#containerEngine = props.containerEngine ?? 'auto';
    this.#hostIsolation = props.hostIsolation ?? 'auto';
    this.#killGraceMs = props.killGraceMs ?? 5000;
    this.#logLimitBytes = props.logLimitBytes ?? DEFAULT_LOG_LIMIT_BYTES;
    if (!(Number.isFinite(this.#killGraceMs) && this.#killGraceMs >= 0)) {
      throw new InvalidArgumentError(`invalid killGraceMs ${this.#killGraceMs}: use milliseconds, 0 or more`);
    }
    if (!Number.isSafeInteger(this.#logLimitBytes) || this.#logLimitBytes < 1) {
      throw new InvalidArgumentError(
        `invalid logLimitBytes ${this.#logLimitBytes}: use a positive whole number`,
      );
    }
    mkdirSync(this.scratchDir, { recursive: true });
  }

  /** What this machine offers; probed once per process. */
  async capabilities(): Promise<ExecutorCapabilities> {
    const candidates: ContainerEngine[] =
      this.#containerEngine === 'auto'
        ? ['docker', 'podman']
        : this.#containerEngine === 'none'
          ? []
          : [this.#containerEngine];
    let containerEngine: ContainerEngine | null = null;
    for (const engine of candidates) {
      if (await isContainerEngineReachable(engine)) {
        containerEngine = engine;
        break;
      }
    }
    let hostMode: 'bwrap' | 'host-env' = 'host-env';
    if (this.#hostIsolation !== 'host-env') {
      if (await isBubblewrapUsable()) hostMode = 'bwrap';
      else if (this.#hostIsolation === 'bwrap') {
        throw new UnavailableError(
          "hostIsolation 'bwrap' was asked for, but bubblewrap is not installed or cannot create a sandbox here: install it (apt-get install bubblewrap) or use 'auto'",
        );
      }
    }
    return { containerEngine, hostMode };
  }

  async runDatum(run: DatumRun): Promise<DatumOutcome> {
    validateDatumRun(run);
    const started = performance.now();
    const stdout = new LogTail(this.#logLimitBytes);
    const stderr = new LogTail(this.#logLimitBytes);
    const { containerEngine, hostMode } = await this.capabilities();
    const image = run.transform.image;
    const mode: ExecutionMode = image !== null && containerEngine !== null ? containerEngine : hostMode;
    if (image !== null && containerEngine === null) {
      stderr.append(
        `[strata] no Docker or Podman engine answers: running the command on this host (/pfs via ${hostMode}), not in image ${image}\n`,
      );
    }
    const finish = (result: FinalResult, scratch: DatumScratch | null, outputs: DatumOutputFile[] = []) => {
      const remove = scratch === null ? null : once(() => removeTree(scratch.dir));
      return {
        ...result,
        mode,
        outputs,
        logs: { stdout: stdout.text(), stderr: stderr.text() },
        durationMs: Math.round(performance.now() - started),
        cleanup: remove ?? (async () => {}),
      } satisfies DatumOutcome;
    };
    const stopped = (attempts: number, exitCode: number | null): FinalResult => ({
      state: 'failed',
      stopped: true,
      attempts,
      exitCode,
      error: stopReason(run.signal),
    });
    if (isAborted(run.signal)) return finish(stopped(0, null), null);

    const scratch = await createDatumScratch(this.scratchDir, run.datumId);
    const inputNames = Object.keys(run.inputCommits);
    const ctx: DatumContext = {
      run,
      mode,
      scratch,
      inputNames,
      stdout,
      stderr,
      killGraceMs: this.#killGraceMs,
    };
    try {
      const result = await this.#attemptLoop(ctx);
      if (result.kind === 'success') return finish(result.final, scratch, result.outputs);
      await removeTree(scratch.dir);
      return finish(result.final, null);
    } catch (error) {
      await removeTree(scratch.dir);
      if (isAborted(run.signal)) return finish(stopped(0, null), null);
      throw error;
    }
  }

  async #attemptLoop(ctx: DatumContext): Promise<LoopResult> {
    const { run, scratch, stderr } = ctx;
    const tries = run.datumTries ?? DEFAULT_DATUM_TRIES;
    let snapshot = await materialiseInputs(scratch, ctx.inputNames, run.inputs, run.signal);
    let inputsChanged = false;
    const prepare = async (): Promise<void> => {
      await resetOutputDir(scratch);
      if (inputsChanged) {
        await removeInputs(scratch);
        snapshot = await materialiseInputs(scratch, ctx.inputNames, run.inputs, run.signal);
        inputsChanged = false;
      }
    };

    let attempts = 0;
    let last: CommandResult = { ok: false, exitCode: null, stopped: false, retryable: true };
    while (attempts < tries) {
      attempts++;
      if (attempts > 1) {
        stderr.append(`[strata] attempt ${attempts} of ${tries}\n`);
        await prepare();
      }
      last = await runDatumCommand(ctx, run.transform.cmd, run.transform.stdin);
      if (last.stopped) return { kind: 'ended', final: finalOf('failed', attempts, last, true) };
      const change = await findInputChange(scratch, snapshot);
      if (change !== null) {
        inputsChanged = true;
        last = {
          ...last,
          ok: false,
          error: `${change}: inputs under /pfs/<input> are read-only; write results to /pfs/out`,
        };
      }
      if (last.ok) {
        try {
          const outputs = await collectOutputs(scratch.outDir, scratch.pfsDir);
          return { kind: 'success', final: finalOf('success', attempts, last, false), outputs };
        } catch (error) {
          if (!(error instanceof OutputRejectedError)) throw error;
          last = { ...last, ok: false, error: error.message };
        }
      }
      stderr.append(`[strata] attempt ${attempts} of ${tries} failed: ${last.error}\n`);
      if (!last.retryable) break;
    }

    if (run.transform.errCmd.length === 0)
      return { kind: 'ended', final: finalOf('failed', attempts, last, false) };
    stderr.append('[strata] running err_cmd\n');
    await prepare();
    const recovery = await runDatumCommand(ctx, run.transform.errCmd, run.transform.errStdin);
    if (recovery.stopped)
      return { kind: 'ended', final: { ...finalOf('failed', attempts, last, true), error: recovery.error } };
    if (recovery.ok) {
      stderr.append('[strata] err_cmd succeeded: the datum is recovered; its output is not kept\n');
      return { kind: 'ended', final: finalOf('recovered', attempts, last, false) };
    }
    stderr.append(`[strata] err_cmd failed: ${recovery.error}\n`);
    return {
      kind: 'ended',
      final: {
        ...finalOf('failed', attempts, last, false),
        error: `${last.error}; err_cmd: ${recovery.error}`,
      },
    };
  }
}

type FinalResult = Pick<DatumOutcome, 'state' | 'stopped' | 'attempts' | 'exitCode' | 'error'>;

type LoopResult =
  | { readonly kind: 'success'; readonly final: FinalResult; readonly outputs: DatumOutputFile[] }
  | { readonly kind: 'ended'; readonly final: FinalResult };

function finalOf(state: DatumState, attempts: number, last: CommandResult, stopped: boolean): FinalResult {
  const final: FinalResult = { state, stopped, attempts, exitCode: last.exitCode };
  return state === 'success' || last.error === undefined ? final : { ...final, error: last.error };
}

/** A function, so that TypeScript does not assume the flag cannot change between two reads. */
function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

/** Runs `task` the first time it is called; later calls share that first call's promise. */
function once(task: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  return () => {
    running ??= task();
    return running;
  };
}
