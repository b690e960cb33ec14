/**
 * Running Strata the way users do: `node bin/strata.js …` with STRATA_HOME selecting the store,
 * one process per command. Workers (bench/workers/) drive the service API directly for scenarios
 * too large to stage on disk; they run as their own processes too, so their RSS is their own.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { BenchContext } from './context.ts';
import { type ProcessRun, runMeasured } from './process.ts';

export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const STRATA_BIN = join(PROJECT_ROOT, 'bin', 'strata.js');

export function strata(ctx: BenchContext, home: string, args: readonly string[]): Promise<ProcessRun> {
  return runMeasured(process.execPath, [STRATA_BIN, ...args], ctx.timeFile(), {
    cwd: PROJECT_ROOT,
    env: { STRATA_HOME: home },
  });
}

const PutResultSchema = z.object({
  commit: z.object({ id: z.string() }),
  files: z.number(),
  bytes: z.number(),
  newBytes: z.number(),
});

export type PutSummary = z.infer<typeof PutResultSchema>;

/** `put file … --json`: the run and the PutResult it printed. */
export async function strataPut(
  ctx: BenchContext,
  home: string,
  args: readonly string[],
): Promise<{ run: ProcessRun; result: PutSummary }> {
  const run = await strata(ctx, home, ['put', 'file', ...args, '--json']);
  return { run, result: parseJsonOutput(run.stdout, PutResultSchema, 'strata put file --json') };
}

/** Runs a worker script and parses the JSON line it prints. */
export async function runWorker<T>(
  ctx: BenchContext,
  worker: string,
  input: unknown,
  schema: z.ZodType<T>,
): Promise<{ run: ProcessRun; output: T }> {
  const script = join(PROJECT_ROOT, 'bench', 'workers', worker);
  const run = await runMeasured(
    process.execPath,
    ['--disable-warning=ExperimentalWarning', script, JSON.stringify(input)],
    ctx.timeFile(),
    { cwd: PROJECT_ROOT },
  );
  return { run, output: parseJsonOutput(run.stdout, schema, worker) };
}

/** The JSON a command printed: all of its output (`--json`), or else its last line (workers). */
function parseJsonOutput<T>(stdout: string, schema: z.ZodType<T>, what: string): T {
  const whole = stdout.trim();
  const json = tryJson(whole) ?? tryJson(whole.split('\n').at(-1) ?? '');
  if (json === undefined) {
    throw new Error(`${what} printed no JSON; it printed: ${whole.slice(-300) || '(nothing)'}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new Error(`${what} printed unexpected JSON: ${parsed.error.message}`);
  return parsed.data;
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
