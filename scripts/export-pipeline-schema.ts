/**
 * Writes pipelines/spec/pipeline.schema.json, the JSON Schema editors use for pipeline specs,
 * from the spec's zod schema: `npm run spec:schema` after changing the schema. The file is then
 * formatted with the project's Biome, so that `npm run lint` accepts it. A unit test
 * (test/unit/pipeline-spec-json-schema.test.ts) fails while the committed file is stale.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pipelineJsonSchemaText } from '../pipelines/spec/json-schema.ts';

const target = fileURLToPath(new URL('../pipelines/spec/pipeline.schema.json', import.meta.url));
const biome = fileURLToPath(new URL('../node_modules/.bin/biome', import.meta.url));

writeFileSync(target, pipelineJsonSchemaText());
execFileSync(biome, ['format', '--write', target], { stdio: ['ignore', 'ignore', 'inherit'] });
console.log(`wrote ${target}`);
