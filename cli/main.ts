/**
 * The `strata` command line: builds the command tree, runs one command, and turns any failure
 * into a message and an exit code (cli/errors.ts). Started by bin/strata.js.
 */
import { registerAwsCommands } from './commands/aws.ts';
import { registerBranchCommands } from './commands/branch.ts';
import { registerCommitCommands } from './commands/commit.ts';
import { registerCommitSetCommands } from './commands/commitset.ts';
import { registerContextCommands } from './commands/context.ts';
import { registerDatumCommands } from './commands/datum.ts';
import { registerDemoCommand } from './commands/demo.ts';
import { registerFileCommands } from './commands/file.ts';
import { registerGetFileCommand } from './commands/get-file.ts';
import { registerJobCommands } from './commands/job.ts';
import { registerLocalCommands } from './commands/local.ts';
import { registerPipelineCommands } from './commands/pipeline.ts';
import { registerPutFileCommand } from './commands/put-file.ts';
import { registerRepoCommands } from './commands/repo.ts';
import { registerVersionCommand } from './commands/version.ts';
import { EXIT_OK, reportError } from './errors.ts';
import { createProgram, finishProgram } from './program.ts';

export function buildProgram() {
  const program = createProgram();
  registerRepoCommands(program);
  registerBranchCommands(program);
  registerCommitCommands(program);
  registerPutFileCommand(program);
  registerGetFileCommand(program);
  registerFileCommands(program);
  registerPipelineCommands(program);
  registerJobCommands(program);
  registerDatumCommands(program);
  registerCommitSetCommands(program);
  registerContextCommands(program);
  registerLocalCommands(program);
  registerAwsCommands(program);
  registerVersionCommand(program);
  registerDemoCommand(program);
  return finishProgram(program);
}

/** Runs the command in `args` (the words after `strata`) and returns the exit code. */
export async function main(args: readonly string[]): Promise<number> {
  // `strata list file … | head` closes our stdout early: stop quietly, as other Unix tools do.
  // Every write that matters (a commit) is done before anything is printed.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(EXIT_OK);
    throw error;
  });
  const program = buildProgram();
  if (args.length === 0) {
    program.outputHelp();
    return EXIT_OK;
  }
  try {
    await program.parseAsync([...args], { from: 'user' });
    return EXIT_OK;
  } catch (error) {
    return reportError(error);
  }
}
