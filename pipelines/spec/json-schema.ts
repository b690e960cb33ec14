/**
 * The JSON Schema of pipeline spec files, exported from the zod schema's input side (the
 * snake_case form users write) for editors. `npm run spec:schema` writes it to
 * pipelines/spec/pipeline.schema.json; a test keeps the committed file equal to a fresh export.
 * Editors see the structure, types, defaults and descriptions; rules that need code (durations,
 * cron specs, unique names) are checked only by `parsePipelineSpec`.
 */
import { z } from 'zod';
import { pipelineSpecSchema } from './schema.ts';

export function pipelineJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(pipelineSpecSchema, {
    io: 'input',
    target: 'draft-2020-12',
    unrepresentable: 'throw',
  });
}

/** The file's exact text: two-space indentation and a final newline. */
export function pipelineJsonSchemaText(): string {
  return `${JSON.stringify(pipelineJsonSchema(), null, 2)}\n`;
}
