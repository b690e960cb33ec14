/** `strata local up`: the long-running local engine. */
import type { Command } from 'commander';
import { InvalidArgumentError } from '../../versioning/errors.ts';
import { positiveInteger } from '../args.ts';
import { strataHome } from '../backend.ts';
import { resolveContext } from '../contexts.ts';
import { withExample } from '../program.ts';

export function registerLocalCommands(program: Command): void {
  const local = program.command('local').description('The long-running local engine');
  withExample(
    local
      .command('up')
      .description(
        'Run the engine until Ctrl-C: pipelines fire on commits from any process, files dropped into <STRATA_HOME>/ingest/<repo>/<branch>/ become commits, and cron inputs tick',
      )
      .option('--poll <ms>', 'how often the ingest folder is scanned', positiveInteger, 1000)
      .action(async (options: { poll: number }) => {
        const { name, context } = resolveContext(strataHome);
        if (context.backend !== 'local') {
          throw new InvalidArgumentError(
            `strata local up runs the embedded backend, and context ${name} is on AWS: pass --context of a local context, or \`strata use context default\``,
          );
        }
        const { runLocalDaemon } = await import('../../adapters/local/local-daemon.ts');
        const controller = new AbortController();
        const stop = () => controller.abort('stopped by signal');
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        process.once('SIGINT', () => process.once('SIGINT', () => process.exit(130)));
        await runLocalDaemon({
          home: context.home,
          signal: controller.signal,
          pollMs: options.poll,
          log: {
            info: (line: string) => process.stdout.write(`${line}\n`),
            error: (line: string) => process.stderr.write(`strata: ${line}\n`),
          },
        });
      }),
    'strata local up',
    'mkdir -p .strata/ingest/images/master && cp cat.png .strata/ingest/images/master/',
  );
}
