/**
 * Pipeline specs: Pachyderm's pipeline spec, in YAML or JSON, read into a normalized
 * `PipelineSpec`.
 *
 * Rules:
 * - Field names are Pachyderm's, so a Pachyderm pipeline JSON is accepted as-is (int64 fields
 *   may be protobuf-JSON strings such as "3"). Strata adds one block, `compute`, choosing where
 *   datums run: `local` (the default), or `batch` / `eks`, validated and stored for AWS.
 * - An unknown field is an error that names it, suggests the nearest known name and lists the
 *   known ones. Pachyderm fields Strata does not implement (unimplemented.ts) are accepted and
 *   come back as warnings; none is dropped silently.
 * - Every problem in a spec is reported at once in one PipelineSpecError, each as
 *   "<field path>: <value given>: <what is allowed>". Rules that span the input tree (unique
 *   input names, tick repos, requests within limits) are checked once every field is valid.
 * - Defaults: branch and output_branch 'master', input name = repo, datum_tries 3,
 *   parallelism 1, reprocess_spec 'until_success', compute local. Durations become
 *   milliseconds, memory and disk bytes, CPU cores.
 * - The pipeline's name is its output repo's name; a cron input's tick repo is
 *   '<pipeline>_<cron name>' unless it names one; input names are unique and never 'out'.
 *   A pfs input has `join_on` exactly when it is directly inside a join, and `group_by` exactly
 *   when it is directly inside a group; joins and groups combine pfs inputs only.
 * - Protobuf JSON's conventions hold, since Pachyderm reads specs with them: a field set to null
 *   is absent, and `join_on`, `group_by` and `outer_join` may hold their zero values ("",
 *   false) outside joins and groups.
 * - A spec version is the SHA-256 of the normalized spec's canonical JSON: formatting, key
 *   order, YAML or JSON, and spelled-out defaults do not change it.
 * - The zod schema (schema.ts) is the source of truth for all of this: the types are derived
 *   from it, and pipeline.schema.json is exported from it for editors (`npm run spec:schema`).
 */
export { type CronSchedule, parseCronSchedule } from './cron.ts';
export { DURATION_RULE, parseDuration } from './duration.ts';
export {
  type CronInput,
  checkInputName,
  OUTPUT_INPUT_NAME,
  type PfsInput,
  type PipelineInput,
} from './input.ts';
export { PipelineSpecError, type SpecProblem } from './issues.ts';
export { pipelineJsonSchema, pipelineJsonSchemaText } from './json-schema.ts';
export { type ParsedPipelineSpec, parsePipelineSpec, parsePipelineSpecDocument } from './parse.ts';
export { parseByteQuantity, parseCpuQuantity, parseQuantity } from './quantity.ts';
export {
  type ComputeSpec,
  type PachydermPipelineSpec,
  type PipelineSpec,
  pipelineSpecSchema,
  type ResourceSpec,
  type TransformSpec,
} from './schema.ts';
export {
  canonicalJson,
  parseSpecVersionHash,
  type SpecVersionHash,
  specVersionHash,
} from './version-hash.ts';
