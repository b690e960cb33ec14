/**
 * The pipeline spec's schema: the source of truth for what a spec may say. Its input side is
 * Pachyderm's pipeline spec, snake_case, as users write it (and as the JSON Schema for editors
 * shows it); its output side is `PipelineSpec`: camelCase, defaults applied, names branded,
 * durations in milliseconds and sizes in bytes. Both types are derived from it.
 */
import { z } from 'zod';
import { InvalidArgumentError } from '../../versioning/errors.ts';
import { parseBranchName, parseRepoName } from '../../versioning/ids.ts';
import { computeSchema } from './compute-schema.ts';
import { DURATION_RULE, parseDuration } from './duration.ts';
import {
  acceptedFields,
  parsedNumberOrString,
  parsedString,
  rule,
  show,
  specObject,
  wholeNumber,
} from './fields.ts';
import { finishInputTree, inputSchema } from './input-schema.ts';
import { BYTES_RULE, CPU_RULE, parseByteQuantity, parseCpuQuantity } from './quantity.ts';
import {
  ACCEPTED_EGRESS_FIELDS,
  ACCEPTED_PARALLELISM_FIELDS,
  ACCEPTED_TOP_LEVEL_FIELDS,
  ACCEPTED_TRANSFORM_FIELDS,
  NO_PROJECTS,
} from './unimplemented.ts';

const NAME_RULE = "use 1–63 letters, digits, '_' or '-'";
const STRINGS = (example: string) => rule(`use a list of strings, e.g. ${example}`);
const TEXT = rule('use a string; quote numbers and booleans in YAML, e.g. "1"');

const secretSchema = specObject({
  name: z
    .string({ error: rule('use the name of a Kubernetes secret') })
    .min(1, { error: rule('use a non-empty name') }),
  key: z.string({ error: TEXT }).optional(),
  mount_path: parsedString('use an absolute path', absolutePath).optional(),
  env_var: z
    .string({ error: TEXT })
    .min(1, { error: rule('use a non-empty variable name') })
    .optional(),
}).transform((secret, context) => {
  if (secret.env_var !== undefined && secret.key === undefined) {
    context.addIssue({
      code: 'custom',
      path: ['key'],
      message: 'missing: env_var takes one key of the secret; set key',
    });
  }
  if ((secret.env_var === undefined) === (secret.mount_path === undefined)) {
    context.addIssue({
      code: 'custom',
      message: `got ${show(secret)}: set exactly one of mount_path and env_var`,
    });
  }
  return Object.freeze({
    name: secret.name,
    key: secret.key ?? null,
    mountPath: secret.mount_path ?? null,
    envVar: secret.env_var ?? null,
  });
});

const transformSchema = specObject(
  {
    image: z
      .string({ error: rule('use a container image, e.g. "python:3.12-slim"') })
      .min(1, { error: rule('use a non-empty image name') })
      .optional()
      .meta({ description: 'The container image. Without one, the command runs as a process on the host.' }),
    cmd: z
      .array(z.string({ error: TEXT }), { error: STRINGS('["python3", "/edges.py"]') })
      .min(1, { error: rule('use a non-empty list of strings, e.g. ["python3", "/edges.py"]') })
      .refine((cmd) => cmd[0] !== '', { error: rule('use a program name as the first string') })
      .meta({ description: 'The program and its arguments, run without a shell, once per datum.' }),
    stdin: z
      .array(z.string({ error: TEXT }), { error: STRINGS('["python3 /edges.py"]') })
      .default([])
      .meta({ description: 'Lines written to the command\'s standard input (with cmd ["bash"], a script).' }),
    env: z
      .record(
        z.string().regex(/^[^=\0]+$/, { error: rule('use a variable name without "=" or NUL') }),
        z.string({ error: TEXT }),
        { error: rule('use an object of names to strings, e.g. {"MODE": "fast"}') },
      )
      .default({})
      .meta({ description: 'Environment variables for the command.' }),
    err_cmd: z
      .array(z.string({ error: TEXT }), { error: STRINGS('["true"]') })
      .optional()
      .meta({
        description: 'Run when a datum fails its last try; if it exits 0, the datum counts as recovered.',
      }),
    err_stdin: z.array(z.string({ error: TEXT }), { error: STRINGS('["echo failed"]') }).default([]),
    accept_return_code: z
      .array(wholeNumber({ min: 0, max: 255 }, '1'), { error: rule('use a list of exit codes, e.g. [1]') })
      .default([])
      .meta({ description: 'Exit codes besides 0 that count as success.' }),
    working_dir: parsedString('use an absolute path', absolutePath)
      .optional()
      .meta({ description: "The command's working directory. Default: the image's (or /pfs on the host)." }),
    user: z
      .string({ error: rule('use a user name or uid[:gid], e.g. "1000"') })
      .min(1, { error: rule('use a non-empty user') })
      .optional()
      .meta({ description: "The user the container runs as (Docker --user). Default: the image's." }),
    debug: z
      .boolean({ error: rule('use true or false') })
      .default(false)
      .meta({ description: "Keep the runner's debug logs with the datum logs." }),
    secrets: z
      .array(secretSchema, {
        error: rule('use a list of secrets, e.g. [{"name": "creds", "env_var": "TOKEN", "key": "token"}]'),
      })
      .default([])
      .meta({
        description: 'Kubernetes secrets (Pachyderm form); stored, but no backend provides them yet.',
      }),
    ...acceptedFields(ACCEPTED_TRANSFORM_FIELDS),
  },
  ACCEPTED_TRANSFORM_FIELDS,
).transform((transform) =>
  Object.freeze({
    image: transform.image ?? null,
    cmd: Object.freeze(transform.cmd),
    stdin: Object.freeze(transform.stdin),
    env: Object.freeze(transform.env),
    /** Pachyderm treats an empty err_cmd as none. */
    errCmd:
      transform.err_cmd === undefined || transform.err_cmd.length === 0
        ? null
        : Object.freeze(transform.err_cmd),
    errStdin: Object.freeze(transform.err_stdin),
    acceptReturnCode: Object.freeze(transform.accept_return_code),
    workingDir: transform.working_dir ?? null,
    user: transform.user ?? null,
    debug: transform.debug,
    secrets: Object.freeze(transform.secrets),
  }),
);

function resourcesSchema(which: 'requests' | 'limits') {
  return specObject({
    cpu: parsedNumberOrString(CPU_RULE, parseCpuQuantity)
      .optional()
      .meta({ description: 'CPU cores, e.g. 0.5 or "500m".' }),
    memory: parsedNumberOrString(BYTES_RULE, parseByteQuantity)
      .optional()
      .meta({ description: 'Memory, e.g. "512Mi", "1Gi" or "2G".' }),
    disk: parsedNumberOrString(BYTES_RULE, parseByteQuantity)
      .optional()
      .meta({ description: 'Scratch disk, e.g. "10Gi".' }),
    gpu: specObject({
      type: z
        .string({ error: rule('use a GPU resource type, e.g. "nvidia.com/gpu"') })
        .min(1, { error: rule('use a non-empty type, e.g. "nvidia.com/gpu"') }),
      number: wholeNumber({ min: 1 }, '1'),
    })
      .optional()
      .meta({ description: 'GPUs: {"type": "nvidia.com/gpu", "number": 1}.' }),
  })
    .transform((resources) =>
      Object.freeze({
        cpu: resources.cpu ?? null,
        memoryBytes: resources.memory ?? null,
        diskBytes: resources.disk ?? null,
        gpu: resources.gpu === undefined ? null : Object.freeze({ ...resources.gpu }),
      }),
    )
    .optional()
    .meta({ description: `Resources each worker ${which === 'requests' ? 'needs' : 'may use at most'}.` });
}

const egressSchema = specObject(
  {
    URL: parsedString('use a URL, e.g. "s3://bucket/prefix"', parseEgressUrl)
      .optional()
      .meta({ description: 'Where each output commit is copied, e.g. "s3://bucket/prefix".' }),
    ...acceptedFields(ACCEPTED_EGRESS_FIELDS),
  },
  ACCEPTED_EGRESS_FIELDS,
);

const parallelismSchema = specObject(
  {
    constant: wholeNumber({ min: 1 }, '4')
      .default(1)
      .meta({ description: 'How many workers process datums at once. Default 1.' }),
    ...acceptedFields(ACCEPTED_PARALLELISM_FIELDS),
  },
  ACCEPTED_PARALLELISM_FIELDS,
);

const timeout = (what: string) =>
  parsedString(DURATION_RULE, parseTimeout)
    .optional()
    .meta({ description: `How long ${what} may run, e.g. "10m" or "1h30m". Default: no limit.` });

const pipelineFields = specObject(
  {
    $schema: z
      .string({ error: rule('use the path or URL of pipeline.schema.json') })
      .optional()
      .meta({ description: 'The JSON Schema this file follows, for editors; ignored otherwise.' }),
    pipeline: specObject({
      name: parsedString(NAME_RULE, parseRepoName).meta({
        description: "The pipeline's name, which is also the name of its output repo.",
      }),
      project: specObject({ name: z.string({ error: rule('use a project name') }) })
        .optional()
        .meta({ description: `Pachyderm project. ${NO_PROJECTS}.` }),
    }),
    description: z
      .string({ error: TEXT })
      .default('')
      .meta({ description: 'What the pipeline does, for people.' }),
    input: inputSchema,
    transform: transformSchema,
    parallelism_spec: parallelismSchema.prefault({}),
    resource_requests: resourcesSchema('requests'),
    resource_limits: resourcesSchema('limits'),
    datum_tries: wholeNumber({ min: 1 }, '3')
      .default(3)
      .meta({ description: 'How many times a failing datum is tried before it fails. Default 3.' }),
    datum_timeout: timeout('one try of one datum'),
    job_timeout: timeout('a whole job'),
    output_branch: parsedString(NAME_RULE, parseBranchName)
      .prefault('master')
      .meta({ description: "The output repo's branch that gets the output commits. Default 'master'." }),
    reprocess_spec: z
      .enum(['until_success', 'every_job'], { error: rule('use "until_success" or "every_job"') })
      .default('until_success')
      .meta({
        description:
          'until_success (default): a datum that succeeded before is reused; every_job: every datum runs in every job.',
      }),
    salt: z
      .string({ error: TEXT })
      .min(1, { error: rule('use a non-empty string') })
      .optional()
      .meta({
        description:
          'Mixed into datum hashes; a new salt re-runs every datum. Default: one is chosen at creation.',
      }),
    egress: egressSchema.optional(),
    compute: computeSchema,
    ...acceptedFields(ACCEPTED_TOP_LEVEL_FIELDS),
  },
  ACCEPTED_TOP_LEVEL_FIELDS,
).meta({
  title: 'Strata pipeline spec',
  description:
    "A pipeline, in the fields of Pachyderm's pipeline spec plus `compute` (where the datums run).",
});

export const pipelineSpecSchema = pipelineFields.transform((spec, context) => {
  const report = (path: readonly (string | number)[], message: string, input: unknown) =>
    context.addIssue({ code: 'custom', path: [...path], message, input });
  const input = finishInputTree(spec.input, spec.pipeline.name, report);
  const requests = spec.resource_requests ?? null;
  const limits = spec.resource_limits ?? null;
  checkRequestsWithinLimits(requests, limits, report);
  return Object.freeze({
    name: spec.pipeline.name,
    description: spec.description,
    input,
    transform: spec.transform,
    parallelismSpec: Object.freeze({ constant: spec.parallelism_spec.constant }),
    resourceRequests: requests,
    resourceLimits: limits,
    datumTries: spec.datum_tries,
    datumTimeoutMs: spec.datum_timeout ?? null,
    jobTimeoutMs: spec.job_timeout ?? null,
    outputBranch: spec.output_branch,
    reprocessSpec: spec.reprocess_spec,
    /** Null: the pipeline service chooses one when the pipeline is created, as Pachyderm does. */
    salt: spec.salt ?? null,
    egress: spec.egress?.URL === undefined ? null : Object.freeze({ url: spec.egress.URL }),
    compute: spec.compute,
  });
});

/** A parsed, normalized pipeline spec. */
export type PipelineSpec = z.output<typeof pipelineSpecSchema>;
/** A pipeline spec as users write it: Pachyderm's snake_case fields, defaults not yet applied. */
export type PachydermPipelineSpec = z.input<typeof pipelineSpecSchema>;
export type TransformSpec = PipelineSpec['transform'];
export type ResourceSpec = NonNullable<PipelineSpec['resourceRequests']>;
export type { ComputeSpec } from './compute-schema.ts';

type Resources = ResourceSpec | null;

/** A request above its limit could never be scheduled; Kubernetes refuses it too. */
function checkRequestsWithinLimits(
  requests: Resources,
  limits: Resources,
  report: (path: readonly (string | number)[], message: string, input: unknown) => void,
): void {
  if (requests === null || limits === null) return;
  const pairs = [
    ['cpu', requests.cpu, limits.cpu, 'cores'],
    ['memory', requests.memoryBytes, limits.memoryBytes, 'bytes'],
    ['disk', requests.diskBytes, limits.diskBytes, 'bytes'],
    ['gpu', requests.gpu?.number ?? null, limits.gpu?.number ?? null, 'GPUs'],
  ] as const;
  for (const [field, requested, limit, unit] of pairs) {
    if (requested !== null && limit !== null && requested > limit) {
      report(
        ['resource_requests', field],
        `got ${requested} ${unit}: more than resource_limits.${field}, ${limit} ${unit}; a request cannot exceed its limit`,
        requested,
      );
    }
  }
}

function parseTimeout(text: string): number {
  const milliseconds = parseDuration(text);
  if (milliseconds <= 0) {
    throw new InvalidArgumentError(
      `invalid timeout ${JSON.stringify(text)}: use more than 0, e.g. "10m"; leave it out for no limit`,
    );
  }
  // Rounded up to whole milliseconds: a timeout a fraction of a millisecond late is harmless.
  return Math.ceil(milliseconds);
}

function absolutePath(text: string): string {
  if (!text.startsWith('/'))
    throw new InvalidArgumentError(`invalid path ${JSON.stringify(text)}: use an absolute path, e.g. "/app"`);
  return text;
}

function parseEgressUrl(text: string): string {
  if (!URL.canParse(text) || !/^[a-z][a-z0-9+.-]*:\/\/./i.test(text)) {
    throw new InvalidArgumentError(
      `invalid URL ${JSON.stringify(text)}: use a URL such as "s3://bucket/prefix"`,
    );
  }
  return text;
}
