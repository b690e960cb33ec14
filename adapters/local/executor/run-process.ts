/**
 * Runs one command to its end: stdin written then closed, stdout and stderr kept as log tails,
 * a time limit, and a stop signal. The command leads its own process group, so a timeout or a stop
 * reaches everything it started, and processes it left running in the background are killed as
 * soon as it exits (a datum's work ends with its command, as it does when a container exits).
 */
import { type ChildProcess, spawn } from 'node:child_process';

/** Receives a stream's bytes as they arrive (a LogTail, or several). */
export interface LogSink {
  append(bytes: Uint8Array): void;
}

export interface ProcessSpec {
  readonly file: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  /** Written to stdin, which is then closed; empty closes it at once. */
  readonly stdinText: string;
  readonly timeoutMs: number | undefined;
  /** Time between SIGTERM and SIGKILL when the time limit is reached. */
  readonly killGraceMs: number;
  readonly signal: AbortSignal | undefined;
  readonly stdout: LogSink;
  readonly stderr: LogSink;
  /** Also stops work that runs outside this process group (a container behind its CLI). */
  readonly onTerminate?: (signal: 'SIGTERM' | 'SIGKILL') => void;
}

export type ProcessEnd =
  | { readonly kind: 'exited'; readonly exitCode: number }
  | { readonly kind: 'signalled'; readonly signal: string }
  | { readonly kind: 'timed-out' }
  | { readonly kind: 'stopped' }
  | { readonly kind: 'spawn-failed'; readonly code: string; readonly message: string };

/** How long to wait for stdout/stderr to close after the command exited before giving up on them. */
const STDIO_CLOSE_WAIT_MS = 2000;

export function runProcess(spec: ProcessSpec): Promise<ProcessEnd> {
  if (spec.signal?.aborted === true) return Promise.resolve({ kind: 'stopped' });
  return new Promise<ProcessEnd>((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn(spec.file, spec.args, {
        cwd: spec.cwd,
        env: spec.env,
        detached: true,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
    } catch (error) {
      resolve(spawnFailure(error));
      return;
    }

    let interruption: 'timed-out' | 'stopped' | null = null;
    /** Set once the group has been sent SIGKILL: nothing of the command can still run. */
    let groupKilled = false;
    let exit: ProcessEnd | null = null;
    let settled = false;
    const timers: NodeJS.Timeout[] = [];

    const signalGroup = (signal: 'SIGTERM' | 'SIGKILL'): void => {
      if (signal === 'SIGKILL') groupKilled = true;
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, signal);
        } catch {
          // ESRCH: the group has already gone.
        }
      }
    };
    /** Ends the command: its process group, and whatever runs outside it on its behalf. */
    const terminate = (signal: 'SIGTERM' | 'SIGKILL'): void => {
      signalGroup(signal);
      spec.onTerminate?.(signal);
    };
    const finish = (end: ProcessEnd): void => {
      if (settled) return;
      settled = true;
      for (const timer of timers) clearTimeout(timer);
      spec.signal?.removeEventListener('abort', onAbort);
      resolve(end);
    };
    /** Called once the group is dead: a process outside it (one that called setsid) may still hold the pipes. */
    const finishSoon = (end: ProcessEnd): void => {
      timers.push(
        setTimeout(() => {
          child.stdout?.destroy();
          child.stderr?.destroy();
          finish(end);
        }, STDIO_CLOSE_WAIT_MS),
      );
    };
    const onAbort = (): void => {
      interruption ??= 'stopped';
      terminate('SIGKILL');
      if (exit !== null) finishSoon({ kind: 'stopped' });
    };

    spec.signal?.addEventListener('abort', onAbort, { once: true });
    if (spec.timeoutMs !== undefined) {
      timers.push(
        setTimeout(() => {
          interruption ??= 'timed-out';
          terminate('SIGTERM');
          timers.push(
            setTimeout(() => {
              terminate('SIGKILL');
              if (exit !== null) finishSoon({ kind: 'timed-out' });
            }, spec.killGraceMs),
          );
        }, spec.timeoutMs),
      );
    }

    child.stdout?.on('data', (chunk: Buffer) => spec.stdout.append(chunk));
    child.stderr?.on('data', (chunk: Buffer) => spec.stderr.append(chunk));
    // EPIPE when the command exits without reading its stdin: not the command's failure.
    child.stdin?.on('error', () => {});
    child.stdin?.end(spec.stdinText);

    child.on('error', (error) => {
      // Emitted without a pid when the command could not be started at all.
      if (child.pid === undefined) finish(spawnFailure(error));
    });
    child.once('exit', (code, signal) => {
      const end: ProcessEnd =
        interruption !== null
          ? { kind: interruption }
          : code !== null
            ? { kind: 'exited', exitCode: code }
            : { kind: 'signalled', signal: signal ?? 'unknown signal' };
      exit = end;
      // After a timeout's SIGTERM, what the command started keeps the rest of the grace period to
      // finish (under bubblewrap the first process to go is bwrap itself); the SIGKILL timer ends it.
      if (interruption === 'timed-out' && !groupKilled) return;
      // Otherwise reap what the command left running in its group, so the datum's files are final.
      signalGroup('SIGKILL');
      finishSoon(end);
    });
    child.once('close', () => {
      const end: ProcessEnd | null = exit;
      if (end !== null) finish(end);
    });
  });
}

function spawnFailure(error: unknown): ProcessEnd {
  const code =
    error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : 'UNKNOWN';
  const message = error instanceof Error ? error.message : String(error);
  return { kind: 'spawn-failed', code, message };
}
