/**
 * Pachyderm fields that Strata accepts, so that a Pachyderm spec reads as-is, but does not act
 * on (yet). Each is listed with the reason, which is both its JSON Schema description and the
 * warning returned with the parsed spec: such a field is never dropped silently. Anything not
 * listed here or in the schema is an unknown field, and an error.
 */

const KUBERNETES_ONLY = 'Kubernetes scheduling; no backend applies it yet';
const PACHYDERM_1 = 'a Pachyderm 1.x field with no effect since 2.0';
const REQUEST_FLAG =
  'a flag of the create-pipeline request, not of the pipeline; use `strata update pipeline` (with `--reprocess`)';
const NO_SERVICES = 'service and spout pipelines are not supported yet';

export const ACCEPTED_TOP_LEVEL_FIELDS: Readonly<Record<string, string>> = {
  autoscaling:
    'Strata starts workers for each job and none run between jobs, so there is nothing to scale down',
  spec_commit: 'Pachyderm sets it when it stores a spec; Strata tells spec versions apart by their hash',
  scheduling_spec: KUBERNETES_ONLY,
  pod_spec: KUBERNETES_ONLY,
  pod_patch: KUBERNETES_ONLY,
  tolerations: KUBERNETES_ONLY,
  metadata: 'Kubernetes annotations and labels; no backend applies them yet',
  service: NO_SERVICES,
  spout: NO_SERVICES,
  maximum_expected_uptime: NO_SERVICES,
  sidecar_resource_limits: "Strata's datum runner has no separately sized sidecar",
  sidecar_resource_requests: "Strata's datum runner has no separately sized sidecar",
  s3_out: 'the output is always collected from /pfs/out; the S3 gateway is not supported yet',
  datum_set_spec: 'Strata sizes the work units of a job when it plans the job',
  tf_job: 'Kubeflow TFJob pipelines are not supported',
  determined: 'the Determined integration is not supported',
  update: REQUEST_FLAG,
  reprocess: REQUEST_FLAG,
  dry_run: REQUEST_FLAG,
  enable_stats: PACHYDERM_1,
  standby: PACHYDERM_1,
  cache_size: PACHYDERM_1,
  max_queue_size: PACHYDERM_1,
  chunk_spec: PACHYDERM_1,
};

export const ACCEPTED_TRANSFORM_FIELDS: Readonly<Record<string, string>> = {
  image_pull_secrets:
    "registry credentials come from the executor (the container engine's login, or the task role in AWS)",
  memory_volume: "the /pfs tree is on the executor's disk",
  datum_batching: 'the command runs once per datum',
};

export const ACCEPTED_PFS_FIELDS: Readonly<Record<string, string>> = {
  commit: 'inputs follow their branch head; pinning an input to a commit is not supported yet',
  trigger: 'branch triggers are not supported yet; the pipeline runs on every commit to the branch',
  lazy: 'inputs are always materialised before the command starts',
  s3: 'inputs are always files under /pfs; the S3 gateway is not supported yet',
  repo_type: 'Strata repos have no type',
};

export const ACCEPTED_CRON_FIELDS: Readonly<Record<string, string>> = {
  start: "ticks follow the schedule from the pipeline's creation or its last tick",
  commit: 'Pachyderm sets it; the tick repo is followed at its head',
};

export const ACCEPTED_EGRESS_FIELDS: Readonly<Record<string, string>> = {
  object_storage: 'only `URL` egress is implemented',
  sql_database: 'only `URL` egress is implemented',
};

export const ACCEPTED_PARALLELISM_FIELDS: Readonly<Record<string, string>> = {
  coefficient: `${PACHYDERM_1}; set \`constant\``,
};

export const NO_PROJECTS = 'Strata has no projects: every repo and pipeline is in one namespace';

/** The warnings for a spec that parsed: one per accepted-but-ignored field, with its path. */
export function ignoredFieldWarnings(spec: unknown, source: string): string[] {
  const warnings: string[] = [];
  const ignore = (path: string, reason: string) => warnings.push(`${source}: ${path} is ignored: ${reason}`);
  const check = (path: string, value: unknown, reasons: Readonly<Record<string, string>>) => {
    if (!isRecord(value)) return;
    for (const [field, reason] of Object.entries(reasons)) {
      if (value[field] !== undefined) ignore(`${path}${field}`, reason);
    }
  };
  const checkProject = (path: string, owner: unknown) => {
    const project = isRecord(owner) ? owner.project : undefined;
    if (isRecord(project) && project.name !== undefined && project.name !== 'default') {
      ignore(`${path}project`, `${NO_PROJECTS}, so ${JSON.stringify(project.name)} is not applied`);
    }
  };
  const checkInput = (path: string, input: unknown) => {
    if (!isRecord(input)) return;
    check(`${path}.pfs.`, input.pfs, ACCEPTED_PFS_FIELDS);
    checkProject(`${path}.pfs.`, input.pfs);
    check(`${path}.cron.`, input.cron, ACCEPTED_CRON_FIELDS);
    checkProject(`${path}.cron.`, input.cron);
    for (const kind of ['cross', 'union', 'join', 'group']) {
      const children = input[kind];
      if (!Array.isArray(children)) continue;
      for (const [index, child] of children.entries()) checkInput(`${path}.${kind}[${index}]`, child);
    }
  };
  if (!isRecord(spec)) return warnings;
  check('', spec, ACCEPTED_TOP_LEVEL_FIELDS);
  checkProject('pipeline.', spec.pipeline);
  check('transform.', spec.transform, ACCEPTED_TRANSFORM_FIELDS);
  if (
    isRecord(spec.transform) &&
    Array.isArray(spec.transform.secrets) &&
    spec.transform.secrets.length > 0
  ) {
    warnings.push(
      `${source}: transform.secrets are stored with the pipeline, but no backend provides them to the command yet`,
    );
  }
  check('egress.', spec.egress, ACCEPTED_EGRESS_FIELDS);
  check('parallelism_spec.', spec.parallelism_spec, ACCEPTED_PARALLELISM_FIELDS);
  checkInput('input', spec.input);
  return warnings;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
