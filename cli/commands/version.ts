/** `version`: the CLI's version and the Node running it. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { writeJson, writeLine } from '../format.ts';
import { withExample } from '../program.ts';

/** The `version` of package.json; 'unknown' if it has none (never a guess from elsewhere). */
export function strataVersion(): string {
  const manifest: unknown = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  if (typeof manifest === 'object' && manifest !== null && 'version' in manifest) {
    const { version } = manifest;
    if (typeof version === 'string') return version;
  }
  return 'unknown';
}

export function registerVersionCommand(program: Command): void {
  withExample(
    program
      .command('version')
      .description("Print strata's version")
      .option('--json', 'print {"version", "node"} as JSON')
      .action((options: { json?: boolean }) => {
        const version = { version: strataVersion(), node: process.version };
        if (options.json) writeJson(version);
        else writeLine(`strata ${version.version} (node ${version.node})`);
      }),
    'strata version',
  );
}
