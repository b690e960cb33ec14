import { describe, expect, it } from 'vitest';
import { PipelineSpecError, parsePipelineSpec, type SpecProblem } from '../../pipelines/spec/index.ts';
import { InvalidArgumentError } from '../../versioning/errors.ts';

const BASE = {
  pipeline: { name: 'edges' },
  input: { pfs: { repo: 'images', glob: '/*' } },
  transform: { cmd: ['python3', '/edges.py'] },
};

/** BASE with `changes` merged in at the top level, as JSON text. */
function specWith(changes: Record<string, unknown>): string {
  return JSON.stringify({ ...BASE, ...changes });
}

function problemsOf(text: string): SpecProblem[] {
  try {
    parsePipelineSpec(text, 'spec.json');
  } catch (error) {
    if (error instanceof PipelineSpecError) return [...error.problems];
    throw error;
  }
  throw new Error('the spec parsed, but a problem was expected');
}

/** The one problem of a spec, as "path: message". */
function problemOf(text: string): string {
  const problems = problemsOf(text);
  expect(problems, JSON.stringify(problems, null, 2)).toHaveLength(1);
  return `${problems[0]!.path}: ${problems[0]!.message}`;
}

describe('parsePipelineSpec: invalid specs name the field, the value and what is allowed', () => {
  it('throws a PipelineSpecError, an InvalidArgumentError naming the source', () => {
    const attempt = () => parsePipelineSpec(specWith({ datum_tries: 0 }), 'pipelines/edges.json');

    expect(attempt).toThrow(PipelineSpecError);
    expect(attempt).toThrow(InvalidArgumentError);
    expect(attempt).toThrow(
      /^pipelines\/edges\.json: invalid pipeline spec \(1 problem\):\n {2}- datum_tries: got 0/,
    );
  });

  it('refuses a relative glob deep in the tree, suggesting the absolute one', () => {
    const input = { cross: [{ pfs: { repo: 'a', glob: '/*' } }, { pfs: { repo: 'b', glob: 'data/*' } }] };

    expect(problemOf(specWith({ input }))).toBe(
      'input.cross[1].pfs.glob: invalid glob "data/*": use an absolute glob pattern, e.g. "/*" (each top-level file or directory), "/**" or "/" (the whole repo); did you mean "/data/*"?',
    );
  });

  it('refuses join_on and outer_join outside a join, and group_by outside a group', () => {
    const input = {
      union: [{ pfs: { repo: 'a', glob: '/(*)', join_on: '$1', outer_join: true, group_by: '$1' } }],
    };

    expect(problemsOf(specWith({ input }))).toEqual([
      {
        path: 'input.union[0].pfs.join_on',
        message:
          'got "$1": only a pfs input directly inside a join has it; remove it or put the input in a join',
      },
      {
        path: 'input.union[0].pfs.outer_join',
        message:
          'got true: only a pfs input directly inside a join has it; remove it or put the input in a join',
      },
      {
        path: 'input.union[0].pfs.group_by',
        message:
          'got "$1": only a pfs input directly inside a group has it; remove it or put the input in a group',
      },
    ]);
  });

  it('requires join_on in every join child, and pfs children only', () => {
    const input = {
      join: [{ pfs: { repo: 'a', glob: '/(*)' } }, { cross: [{ pfs: { repo: 'b', glob: '/*' } }] }],
    };

    expect(problemsOf(specWith({ input })).map((problem) => problem.path)).toEqual([
      'input.join[0].pfs.join_on',
      'input.join[1].cross',
    ]);
    expect(problemsOf(specWith({ input }))[1]!.message).toMatch(/a join combines pfs inputs only/);
  });

  it('refuses a join key that uses a capture group the glob lacks', () => {
    const input = { join: [{ pfs: { repo: 'a', glob: '/(*).csv', join_on: '$2' } }] };

    expect(problemOf(specWith({ input }))).toBe(
      'input.join[0].pfs.join_on: got "$2": $2 is not a capture group of the glob "/(*).csv", which has $1…$1; capture with parentheses, e.g. "/(*)-(*).csv"',
    );
  });

  it('refuses an empty cross and an input with two kinds', () => {
    expect(problemOf(specWith({ input: { cross: [] } }))).toMatch(
      /^input\.cross: got \[\]: use a list of one or more inputs to cross/,
    );
    expect(
      problemOf(specWith({ input: { pfs: { repo: 'a', glob: '/*' }, cron: { name: 't', spec: '@daily' } } })),
    ).toBe(
      'input: got pfs and cron: an input has exactly one of pfs, cron, cross, union, join, group; combine several with cross, union, join or group',
    );
  });

  it('refuses a missing or empty cmd, and a cmd that is a string', () => {
    expect(problemOf(specWith({ transform: {} }))).toBe(
      'transform.cmd: missing: use a list of strings, e.g. ["python3", "/edges.py"]',
    );
    expect(problemOf(JSON.stringify({ pipeline: BASE.pipeline, input: BASE.input }))).toBe(
      'transform: missing: this field is required',
    );
    expect(problemOf(specWith({ transform: { cmd: [] } }))).toBe(
      'transform.cmd: got []: use a non-empty list of strings, e.g. ["python3", "/edges.py"]',
    );
    expect(problemOf(specWith({ transform: { cmd: 'python3 /edges.py' } }))).toBe(
      'transform.cmd: got "python3 /edges.py": use a list of strings, e.g. ["python3", "/edges.py"]',
    );
  });

  it('refuses exit codes that are not whole numbers from 0 to 255', () => {
    const transform = { cmd: ['run'], accept_return_code: [1, 1.5, 256] };

    expect(problemsOf(specWith({ transform }))).toEqual([
      {
        path: 'transform.accept_return_code[1]',
        message: 'got 1.5: use a whole number from 0 to 255, e.g. 1',
      },
      {
        path: 'transform.accept_return_code[2]',
        message: 'got 256: use a whole number from 0 to 255, e.g. 1',
      },
    ]);
  });

  it('refuses durations and quantities that do not parse', () => {
    const problems = problemsOf(
      specWith({
        datum_timeout: '10 minutes',
        job_timeout: '0s',
        resource_requests: { memory: '512m', cpu: '-1' },
      }),
    );

    expect(problems.map((problem) => `${problem.path}: ${problem.message}`)).toEqual([
      'resource_requests.cpu: invalid CPU amount "-1": use a number of cores, e.g. 0.5, 2 or "500m" (thousandths of a core)',
      'resource_requests.memory: invalid size "512m": \'m\' means thousandths (or less) of a byte; did you mean "512M" or "512Mi"?',
      'datum_timeout: invalid duration "10 minutes": use numbers with units ns, us, ms, s, m or h and no spaces, e.g. "30s", "10m", "1h30m"',
      'job_timeout: invalid timeout "0s": use more than 0, e.g. "10m"; leave it out for no limit',
    ]);
  });

  it('refuses a parallelism below 1 and datum_tries that is not a whole number', () => {
    expect(problemOf(specWith({ parallelism_spec: { constant: 0 } }))).toBe(
      'parallelism_spec.constant: got 0: use a whole number ≥ 1, e.g. 4',
    );
    expect(problemOf(specWith({ datum_tries: 'three' }))).toBe(
      'datum_tries: got "three": use a whole number ≥ 1, e.g. 3',
    );
  });

  it('refuses a cron spec that does not parse', () => {
    const input = { cron: { name: 'tick', spec: '0 25 * * *' } };

    expect(problemOf(specWith({ input }))).toBe(
      'input.cron.spec: invalid cron spec "0 25 * * *": the hour field "25": 25 is outside 0–23',
    );
  });

  it('refuses input names used twice, the name out, and reading the own output repo', () => {
    const input = {
      cross: [
        { pfs: { repo: 'images', glob: '/*' } },
        { pfs: { repo: 'images', glob: '/' } },
        { pfs: { repo: 'other', glob: '/', name: 'out' } },
        { pfs: { repo: 'edges', glob: '/', name: 'mine' } },
      ],
    };

    expect(problemsOf(specWith({ input }))).toEqual([
      {
        path: 'input.cross[2].pfs.name',
        message: 'invalid input name "out": /pfs/out is the output directory; give the input another name',
      },
    ]);
    const withoutOut = { cross: [input.cross[0], input.cross[1], input.cross[3]] };
    expect(problemsOf(specWith({ input: withoutOut }))).toEqual([
      {
        path: 'input.cross[1].pfs.name',
        message:
          'got "images": the name is already used by input.cross[0].pfs; input names must be unique, so set a different name on one of them',
      },
      {
        path: 'input.cross[2].pfs.repo',
        message: 'got "edges": that is this pipeline\'s own output repo; a pipeline cannot read its output',
      },
    ]);
  });

  it('refuses a repo named out when the input takes its name from it', () => {
    expect(problemOf(specWith({ input: { pfs: { repo: 'out', glob: '/*' } } }))).toBe(
      'input.pfs.name: missing: the input would take its name from the repo "out", but /pfs/out is the output directory; set name',
    );
  });

  it('refuses a tick repo name longer than a repo name may be', () => {
    const pipeline = { name: 'p'.repeat(60) };
    const input = { cron: { name: 'tick', spec: '@daily' } };

    expect(problemOf(specWith({ pipeline, input }))).toMatch(
      /^input\.cron\.name: got "tick": the tick repo would be "p{60}_tick", longer than 63 characters; use a shorter name or set the cron input's repo$/,
    );
  });

  it('refuses a resource request above its limit', () => {
    const changes = { resource_requests: { memory: '2Gi' }, resource_limits: { memory: '1Gi' } };

    expect(problemOf(specWith(changes))).toBe(
      'resource_requests.memory: got 2147483648 bytes: more than resource_limits.memory, 1073741824 bytes; a request cannot exceed its limit',
    );
  });

  it('refuses an unknown backend and invalid backend settings', () => {
    expect(problemOf(specWith({ compute: { backend: 'lambda' } }))).toBe(
      'compute.backend: got "lambda": the backend is one of "local", "batch", "eks"',
    );
    expect(problemOf(specWith({ compute: { backend: 'eks', namespace: 'Data_Jobs' } }))).toBe(
      'compute.namespace: invalid namespace "Data_Jobs": use 1–63 lowercase letters, digits or "-", starting and ending with a letter or digit',
    );
    expect(problemOf(specWith({ compute: { backend: 'batch', job_role_arn: 'admin' } }))).toBe(
      'compute.job_role_arn: invalid IAM role ARN "admin": use "arn:aws:iam::<account>:role/<name>"',
    );
  });

  it('says to quote environment values that YAML reads as numbers', () => {
    const yaml =
      'pipeline: {name: p}\ninput: {pfs: {repo: r, glob: /*}}\ntransform: {cmd: [run], env: {WORKERS: 4}}\n';

    expect(() => parsePipelineSpec(yaml, 'p.yaml')).toThrow(
      'transform.env.WORKERS: got 4: use a string; quote numbers and booleans in YAML, e.g. "1"',
    );
  });

  it('reports every problem of a spec together', () => {
    const text = JSON.stringify({
      pipeline: { name: 'bad name' },
      input: { pfs: { repo: 'images', glob: 'x' } },
      transform: { cmd: [] },
      datum_tries: -1,
      reprocess_spec: 'always',
    });

    expect(problemsOf(text).map((problem) => problem.path)).toEqual([
      'pipeline.name',
      'input.pfs.glob',
      'transform.cmd',
      'datum_tries',
      'reprocess_spec',
    ]);
  });

  it('reports file syntax errors with the source', () => {
    expect(() => parsePipelineSpec('{"pipeline": ', 'a.json')).toThrow(
      /^a\.json: invalid pipeline spec .*\n {2}- not valid JSON: /,
    );
    expect(() => parsePipelineSpec('{} {}', 'a.json')).toThrow(/give one pipeline per file/);
    expect(() => parsePipelineSpec('pipeline: [', 'a.yaml')).toThrow(/not valid YAML: /);
    expect(() => parsePipelineSpec('a: 1\n---\nb: 2\n', 'a.yaml')).toThrow(
      /holds 2 YAML documents; give one pipeline per file/,
    );
    expect(() => parsePipelineSpec('  \n', 'a.yaml')).toThrow(/the file is empty/);
    expect(() => parsePipelineSpec('just text', 'a.yaml')).toThrow(/- got "just text": expected an object/);
  });
});

describe('parsePipelineSpec: unknown fields', () => {
  it('refuses an unknown top-level field, suggesting the nearest and listing the known ones', () => {
    expect(problemOf(specWith({ paralellism_spec: { constant: 2 } }))).toBe(
      'paralellism_spec: unknown field "paralellism_spec" (did you mean "parallelism_spec"?); the fields here are pipeline, description, input, transform, parallelism_spec, resource_requests, resource_limits, datum_tries, datum_timeout, job_timeout, output_branch, reprocess_spec, salt, egress, compute',
    );
  });

  it('refuses unknown fields at any depth, and camelCase spellings of known ones', () => {
    const input = { join: [{ pfs: { repo: 'a', glob: '/(*)', joinOn: '$1' } }] };

    expect(problemsOf(specWith({ input }))).toContainEqual({
      path: 'input.join[0].pfs.joinOn',
      message:
        'unknown field "joinOn" (did you mean "join_on"?); the fields here are repo, branch, glob, name, join_on, outer_join, group_by, empty_files, project',
    });
  });

  it('names an unknown field without a suggestion when nothing is close', () => {
    expect(problemOf(specWith({ transform: { cmd: ['run'], shell: 'bash' } }))).toMatch(
      /^transform\.shell: unknown field "shell"; the fields here are image, cmd, stdin, env, err_cmd,/,
    );
  });
});

describe('parsePipelineSpec: accepted Pachyderm fields that Strata does not implement', () => {
  it('accepts them at every level and returns one warning each, with its path and reason', () => {
    const text = specWith({
      pipeline: { name: 'edges', project: { name: 'team-a' } },
      input: {
        cross: [
          { pfs: { repo: 'a', glob: '/*', lazy: true } },
          { cron: { name: 't', spec: '@daily', start: '2024-01-01T00:00:00Z' } },
        ],
      },
      transform: {
        cmd: ['run'],
        image_pull_secrets: ['regcred'],
        secrets: [{ name: 'creds', env_var: 'TOKEN', key: 'token' }],
      },
      autoscaling: true,
      pod_patch: '[]',
      parallelism_spec: { coefficient: 0.5 },
      enable_stats: true,
    });

    const { warnings } = parsePipelineSpec(text, 'edges.json');

    expect(warnings).toEqual([
      expect.stringMatching(/^edges\.json: autoscaling is ignored: Strata starts workers for each job/),
      'edges.json: pod_patch is ignored: Kubernetes scheduling; no backend applies it yet',
      'edges.json: enable_stats is ignored: a Pachyderm 1.x field with no effect since 2.0',
      'edges.json: pipeline.project is ignored: Strata has no projects: every repo and pipeline is in one namespace, so "team-a" is not applied',
      expect.stringMatching(/^edges\.json: transform\.image_pull_secrets is ignored: registry credentials/),
      'edges.json: transform.secrets are stored with the pipeline, but no backend provides them to the command yet',
      'edges.json: parallelism_spec.coefficient is ignored: a Pachyderm 1.x field with no effect since 2.0; set `constant`',
      'edges.json: input.cross[0].pfs.lazy is ignored: inputs are always materialised before the command starts',
      expect.stringMatching(/^edges\.json: input\.cross\[1\]\.cron\.start is ignored: /),
    ]);
  });

  it('stores transform.secrets, user and debug', () => {
    const transform = {
      cmd: ['run'],
      user: 'nobody',
      debug: true,
      secrets: [
        { name: 'creds', env_var: 'TOKEN', key: 'token' },
        { name: 'certs', mount_path: '/etc/certs' },
      ],
    };

    const { spec } = parsePipelineSpec(specWith({ transform }), 'p.json');

    expect(spec.transform).toMatchObject({
      user: 'nobody',
      debug: true,
      secrets: [
        { name: 'creds', key: 'token', mountPath: null, envVar: 'TOKEN' },
        { name: 'certs', key: null, mountPath: '/etc/certs', envVar: null },
      ],
    });
  });

  it('refuses a secret that sets neither or both of mount_path and env_var', () => {
    const transform = { cmd: ['run'], secrets: [{ name: 'creds' }] };

    expect(problemOf(specWith({ transform }))).toBe(
      'transform.secrets[0]: got {"name":"creds"}: set exactly one of mount_path and env_var',
    );
  });
});
