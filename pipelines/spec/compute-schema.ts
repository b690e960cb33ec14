/**
 * The spec's `compute` block, Strata's one addition to Pachyderm's fields: where the datums run.
 * - `{backend: local}` (the default): the embedded engine's executor, on this machine.
 * - `{backend: batch}`: AWS Batch jobs; `queue` and `job_role_arn` default to the platform's.
 * - `{backend: eks}`: Kubernetes jobs on an EKS cluster; every field defaults to the platform's.
 * The AWS backends are validated and stored here; they run once the AWS adapters exist.
 */
import { z } from 'zod';
import { InvalidArgumentError } from '../../versioning/errors.ts';
import { parsedString, show, specObject } from './fields.ts';

const BACKENDS = ['local', 'batch', 'eks'] as const;

const localCompute = specObject({
  backend: z.literal('local').meta({ description: "Run datums on this machine (Strata's embedded engine)." }),
}).transform(() => Object.freeze({ backend: 'local' as const }));

const batchCompute = specObject({
  backend: z.literal('batch').meta({ description: 'Run datums as AWS Batch jobs.' }),
  queue: parsedString('use a job queue name or ARN', (text) =>
    matching(
      text,
      'job queue',
      /^([A-Za-z0-9_-]{1,128}|arn:aws[a-z-]*:batch:[a-z0-9-]+:\d{12}:job-queue\/[A-Za-z0-9_-]{1,128})$/,
      'use a job queue name (letters, digits, "_", "-") or its ARN',
    ),
  )
    .optional()
    .meta({ description: "The AWS Batch job queue (name or ARN). Default: the platform's queue." }),
  job_role_arn: parsedString('use an IAM role ARN', (text) =>
    matching(
      text,
      'IAM role ARN',
      /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/,
      'use "arn:aws:iam::<account>:role/<name>"',
    ),
  )
    .optional()
    .meta({
      description: "The IAM role the datum's container runs with. Default: the platform's datum role.",
    }),
}).transform((batch) =>
  Object.freeze({
    backend: 'batch' as const,
    queue: batch.queue ?? null,
    jobRoleArn: batch.job_role_arn ?? null,
  }),
);

const eksCompute = specObject({
  backend: z.literal('eks').meta({ description: 'Run datums as Kubernetes jobs on an EKS cluster.' }),
  cluster: parsedString('use an EKS cluster name', (text) =>
    matching(
      text,
      'EKS cluster name',
      /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/,
      'use 1–100 letters, digits, "_" or "-", starting with a letter or digit',
    ),
  )
    .optional()
    .meta({ description: 'The EKS cluster. Default: the cluster the platform was deployed with.' }),
  namespace: parsedString('use a Kubernetes namespace', (text) =>
    matching(
      text,
      'namespace',
      /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/,
      'use 1–63 lowercase letters, digits or "-", starting and ending with a letter or digit',
    ),
  )
    .optional()
    .meta({ description: "The Kubernetes namespace of the jobs. Default: the platform's." }),
  service_account: parsedString('use a Kubernetes service account name', (text) =>
    matching(
      text,
      'service account',
      /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/,
      'use lowercase letters, digits, "-" or ".", starting and ending with a letter or digit',
    ),
  )
    .optional()
    .meta({
      description: "The jobs' service account (its IAM role gives S3 access). Default: the platform's.",
    }),
}).transform((eks) =>
  Object.freeze({
    backend: 'eks' as const,
    cluster: eks.cluster ?? null,
    namespace: eks.namespace ?? null,
    serviceAccount: eks.service_account ?? null,
  }),
);

export const computeSchema = z
  .discriminatedUnion('backend', [localCompute, batchCompute, eksCompute], {
    error: (issue) => {
      if (!isRecord(issue.input))
        return `got ${show(issue.input)}: use an object such as {"backend": "batch"}`;
      const given = issue.input.backend;
      return given === undefined
        ? `missing: set backend to ${BACKENDS.map((name) => show(name)).join(', ')}`
        : `got ${show(given)}: the backend is one of ${BACKENDS.map((name) => show(name)).join(', ')}`;
    },
  })
  .prefault({ backend: 'local' })
  .meta({
    description:
      'Where the datums run: {backend: local} (the default), {backend: batch, …} or {backend: eks, …}.',
  });

export type ComputeSpec = z.output<typeof computeSchema>;

function matching(text: string, what: string, pattern: RegExp, allowed: string): string {
  if (!pattern.test(text))
    throw new InvalidArgumentError(`invalid ${what} ${JSON.stringify(text)}: ${allowed}`);
  return text;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
