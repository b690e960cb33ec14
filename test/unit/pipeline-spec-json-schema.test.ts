import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pipelineJsonSchema } from '../../pipelines/spec/index.ts';

const COMMITTED = new URL('../../pipelines/spec/pipeline.schema.json', import.meta.url);

describe('pipeline.schema.json', () => {
  it('equals a fresh export from the zod schema (run `npm run spec:schema` when it does not)', () => {
    const committed: unknown = JSON.parse(readFileSync(COMMITTED, 'utf8'));

    expect(committed).toEqual(pipelineJsonSchema());
  });

  it("describes the input side: Pachyderm's snake_case fields, unknown fields refused", () => {
    const schema = pipelineJsonSchema();

    expect(schema).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      required: ['pipeline', 'input', 'transform'],
      additionalProperties: false,
      properties: {
        parallelism_spec: { type: 'object' },
        datum_tries: { anyOf: [{ type: 'integer', minimum: 1 }, { type: 'string' }] },
        output_branch: { default: 'master' },
        reprocess_spec: { enum: ['until_success', 'every_job'] },
        autoscaling: {
          description: expect.stringMatching(/^Pachyderm field, accepted but not supported yet/),
        },
      },
    });
  });

  it('requires join_on in the children of a join and allows only its zero value elsewhere', () => {
    const schema = pipelineJsonSchema();

    expect(schema).toMatchObject({
      $defs: {
        Input: {
          properties: { pfs: { properties: { join_on: { const: '' }, outer_join: { const: false } } } },
        },
        JoinedInput: { properties: { pfs: { required: ['repo', 'glob', 'join_on'] } } },
        GroupedInput: { properties: { pfs: { required: ['repo', 'glob', 'group_by'] } } },
      },
    });
  });
});
