/**
 * The engine behind commands that involve pipelines. Without a long-running `strata local up`,
 * a command runs the engine in-process: the jobs its writes cause run before it exits, each
 * job's start and end reported on stderr.
 */
import { mkdirSync } from 'node:fs';
import { type Engine, openLocalEngine } from '../adapters/local/engine.ts';
import { strataHome } from './backend.ts';

export async function withEngine<T>(work: (engine: Engine) => Promise<T>, home: string = strataHome()): Promise<T> {
  mkdirSync(home, { recursive: true });
  const engine = openLocalEngine(home, {
    onJobEvent: (job, event) => {
      if (process.env.STRATA_QUIET === '1') return;
      if (event.type === 'ExecutionStarted') process.stderr.write(`strata: job ${job.pipeline}@${job.job} started\n`);
    },
  });
  try {
    const result = await work(engine);
    await engine.idle();
    return result;
  } finally {
    await engine.close();
  }
}
