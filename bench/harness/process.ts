/**
 * Running a system under test as its own process, so the peak RSS measured is that system's
 * alone. GNU time reports the child's peak resident set (`%M`, in KiB); wall time is taken here,
 * around the whole child, at nanosecond resolution (GNU time's `%e` has only 10 ms).
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export const GNU_TIME = '/usr/bin/time';

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
}

export interface ProcessRun {
  readonly command: string;
  readonly seconds: number;
  /** Peak resident set size of the child, in bytes. */
  readonly peakRssBytes: number;
  readonly stdout: string;
  readonly stderr: string;
}

export class ProcessFailedError extends Error {
  readonly run: Omit<ProcessRun, 'peakRssBytes'> & { readonly exitCode: number | null };

  constructor(run: Omit<ProcessRun, 'peakRssBytes'> & { readonly exitCode: number | null }) {
    super(
      `${errorText(run.stderr) || errorText(run.stdout) || '(no output)'} — from \`${run.command}\`, ` +
        `which exited with ${run.exitCode ?? 'a signal'} after ${run.seconds.toFixed(1)} s`,
    );
    this.run = run;
  }
}

/** A failed child's output from its first error line on, without stack frames, capped. */
function errorText(output: string): string {
  const lines = output.trim().split('\n');
  const first = lines.findIndex((line) => /^[A-Z]\w*(Error|Exception)\b/.test(line));
  return lines
    .slice(first < 0 ? Math.max(0, lines.length - 10) : first)
    .filter((line) => !/^\s+at /.test(line))
    .join('\n')
    .slice(0, 2000);
}

/** The path of `name` on PATH, or undefined when it is not installed. */
export function findExecutable(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return undefined;
}

export function hasGnuTime(): boolean {
  try {
    accessSync(GNU_TIME, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Runs `command args` under GNU time and resolves when it exits 0; rejects with its stderr otherwise. */
export function runMeasured(
  command: string,
  args: readonly string[],
  timeFile: string,
  options: RunOptions = {},
): Promise<ProcessRun> {
  const shown = [command, ...args].map((part) => (/\s/.test(part) ? JSON.stringify(part) : part)).join(' ');
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(GNU_TIME, ['-f', '%e %M', '-o', timeFile, command, ...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (data: Buffer) => out.push(data));
    child.stderr.on('data', (data: Buffer) => err.push(data));
    child.on('error', reject);
    child.on('close', (exitCode) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      const peakRssBytes = readPeakRss(timeFile);
      if (exitCode !== 0 || peakRssBytes === undefined) {
        reject(new ProcessFailedError({ command: shown, seconds, stdout, stderr, exitCode }));
        return;
      }
      resolve({ command: shown, seconds, peakRssBytes, stdout, stderr });
    });
  });
}

/** GNU time writes 'Command exited with non-zero status N' before its line when the child fails. */
function readPeakRss(timeFile: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(timeFile, 'utf8');
  } catch {
    return undefined;
  } finally {
    rmSync(timeFile, { force: true });
  }
  const last = text.trim().split('\n').at(-1) ?? '';
  const match = /^([\d.]+) (\d+)$/.exec(last);
  return match?.[2] === undefined ? undefined : Number(match[2]) * 1024;
}

/** Runs a command for its output only (version checks, setup), unmeasured. */
export function runQuiet(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (data: Buffer) => out.push(data));
    child.stderr.on('data', (data: Buffer) => err.push(data));
    child.on('error', reject);
    child.on('close', (exitCode) => {
      const stdout = Buffer.concat(out).toString('utf8');
      if (exitCode === 0) resolve(stdout);
      else
        reject(
          new Error(
            `\`${command} ${args.join(' ')}\` exited with ${exitCode}: ${Buffer.concat(err).toString('utf8').trim()}`,
          ),
        );
    });
  });
}
