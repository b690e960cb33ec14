/** `strata aws init`: create the bucket and the table an AWS context names. */
import type { Command } from 'commander';
import { InvalidArgumentError } from '../../versioning/errors.ts';
import { strataHome } from '../backend.ts';
import { resolveContext } from '../contexts.ts';
import { writeJson, writeLine } from '../format.ts';
import { withExample } from '../program.ts';

export function registerAwsCommands(program: Command): void {
  const aws = program.command('aws').description('The AWS backend');
  withExample(
    aws
      .command('init')
      .summary("Create the context's S3 bucket, DynamoDB table and event bus if missing")
      .description(
        "Create the context's S3 bucket, DynamoDB table and (with --event-bus) EventBridge bus when they are missing (existing ones are left as they are). Needs s3:CreateBucket, dynamodb:CreateTable and events:CreateEventBus; deploying the Strata CDK stack is the alternative.",
      )
      .option(
        '--json',
        'print {bucket: {name, created, lifecycle}, table: {name, created}, eventBus?: {name, created}} as JSON',
      )
      .action(async (options: { json?: boolean }) => {
        const { name, context } = resolveContext(strataHome);
        if (context.backend !== 'aws') {
          throw new InvalidArgumentError(
            `context ${name ?? '(none: the embedded backend)'} is not an AWS context: pass --context <name> of one made with \`strata create context <name> --bucket … --table …\``,
          );
        }
        const { initAwsBackend } = await import('../../adapters/aws/backend.ts');
        const { backend: _, ...settings } = context;
        const result = await initAwsBackend(settings);
        if (options.json) {
          writeJson(result);
          return;
        }
        const state = (created: boolean) => (created ? 'created' : 'exists');
        writeLine(`bucket ${result.bucket.name}: ${state(result.bucket.created)}`);
        writeLine(
          `  lifecycle rule (abort multipart uploads incomplete after 1 day): ${result.bucket.lifecycle}`,
        );
        writeLine(`table ${result.table.name}: ${state(result.table.created)}`);
        if (result.eventBus)
          writeLine(`event bus ${result.eventBus.name}: ${state(result.eventBus.created)}`);
      }),
    'strata aws init --context dev',
  );
}
