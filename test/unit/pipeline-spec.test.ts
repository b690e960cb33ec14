import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  parsePipelineSpec,
  parsePipelineSpecDocument,
  specVersionHash,
} from '../../pipelines/spec/index.ts';

/** The OpenCV edge-detection pipeline of Pachyderm's getting-started guide, verbatim in form. */
const EDGES_JSON = `{
  "pipeline": {
    "name": "edges"
  },
  "description": "A pipeline that performs image edge detection by using the OpenCV library.",
  "transform": {
    "cmd": [ "python3", "/edges.py" ],
    "image": "pachyderm/opencv:1.0"
  },
  "input": {
    "pfs": {
      "repo": "images",
      "glob": "/*"
    }
  }
}`;

const EDGES_YAML = `
# The same pipeline, in YAML, with keys in another order and two defaults spelled out.
pipeline:
  name: edges
input:
  pfs:
    glob: /*
    repo: images
    branch: master
transform:
  image: pachyderm/opencv:1.0
  cmd:
    - python3
    - /edges.py
description: A pipeline that performs image edge detection by using the OpenCV library.
datum_tries: 3
`;

/** The montage stage of the same guide: a cross of two whole repos, a shell script on stdin. */
const MONTAGE_JSON = `{
  "pipeline": { "name": "montage" },
  "description": "A pipeline that combines images from the images and edges repositories into a montage.",
  "input": {
    "cross": [
      { "pfs": { "glob": "/", "repo": "images" } },
      { "pfs": { "glob": "/", "repo": "edges" } }
    ]
  },
  "transform": {
    "cmd": [ "sh" ],
    "image": "dpokidov/imagemagick:7.1.0-23",
    "stdin": [ "montage -shadow -background SkyBlue -geometry 300x300+2+2 $(find -L /pfs/images /pfs/edges -type f | sort) /pfs/out/montage.png" ]
  }
}`;

/** A join in the style of Pachyderm's join docs: readings matched to parameters by file name. */
const JOIN_JSON = `{
  "pipeline": { "name": "joined", "project": { "name": "default" } },
  "input": {
    "join": [
      { "pfs": { "repo": "readings", "branch": "master", "glob": "/*/(*).txt", "join_on": "$1" } },
      { "pfs": { "repo": "parameters", "branch": "master", "glob": "/(*).txt", "join_on": "$1", "outer_join": true } }
    ]
  },
  "transform": { "cmd": [ "python3", "/join.py" ], "image": "python:3.12-slim" }
}`;

/** Every field Strata implements, in the form \`pachctl inspect pipeline --raw\` prints (int64s as strings). */
const FULL_JSON = `{
  "pipeline": { "name": "scores" },
  "input": {
    "cross": [
      { "group": [ { "pfs": { "repo": "sales", "glob": "/*/(*)-(*).csv", "group_by": "$2", "name": "by_store" } } ] },
      { "cron": { "name": "tick", "spec": "@every 60s", "overwrite": true } },
      { "union": [
        { "pfs": { "repo": "a", "glob": "/**", "empty_files": true } },
        { "pfs": { "repo": "b", "branch": "dev", "glob": "/data/*.csv" } }
      ] }
    ]
  },
  "transform": {
    "image": "python:3.12-slim",
    "cmd": [ "python3", "/score.py" ],
    "env": { "MODE": "fast" },
    "err_cmd": [ "true" ],
    "err_stdin": [ "echo failed" ],
    "accept_return_code": [ "1", 2 ],
    "working_dir": "/app",
    "user": "1000",
    "debug": true
  },
  "parallelism_spec": { "constant": "4" },
  "resource_requests": { "cpu": 0.5, "memory": "512Mi", "disk": "10G" },
  "resource_limits": { "cpu": "2", "memory": "1Gi", "gpu": { "type": "nvidia.com/gpu", "number": "1" } },
  "datum_tries": "5",
  "datum_timeout": "3600s",
  "job_timeout": "1h30m",
  "output_branch": "out",
  "reprocess_spec": "every_job",
  "salt": "s1",
  "egress": { "URL": "s3://bucket/scores" },
  "compute": { "backend": "batch", "queue": "gpu-queue" }
}`;

describe('parsePipelineSpec: Pachyderm specs as-is', () => {
  it('reads the OpenCV edges pipeline and applies the defaults', () => {
    const { spec, warnings } = parsePipelineSpec(EDGES_JSON, 'edges.json');

    expect(warnings).toEqual([]);
    expect(spec).toEqual({
      name: 'edges',
      description: 'A pipeline that performs image edge detection by using the OpenCV library.',
      input: {
        kind: 'pfs',
        name: 'images',
        repo: 'images',
        branch: 'master',
        glob: '/*',
        joinOn: null,
        outerJoin: false,
        groupBy: null,
        emptyFiles: false,
      },
      transform: {
        image: 'pachyderm/opencv:1.0',
        cmd: ['python3', '/edges.py'],
        stdin: [],
        env: {},
        errCmd: null,
        errStdin: [],
        acceptReturnCode: [],
        workingDir: null,
        user: null,
        debug: false,
        secrets: [],
      },
      parallelismSpec: { constant: 1 },
      resourceRequests: null,
      resourceLimits: null,
      datumTries: 3,
      datumTimeoutMs: null,
      jobTimeoutMs: null,
      outputBranch: 'master',
      reprocessSpec: 'until_success',
      salt: null,
      egress: null,
      compute: { backend: 'local' },
    });
  });

  it('reads the montage cross with its shell script on stdin', () => {
    const { spec } = parsePipelineSpec(MONTAGE_JSON, 'montage.json');

    expect(spec.input).toMatchObject({
      kind: 'cross',
      inputs: [
        { kind: 'pfs', name: 'images', glob: '/' },
        { kind: 'pfs', name: 'edges', glob: '/' },
      ],
    });
    expect(spec.transform.cmd).toEqual(['sh']);
    expect(spec.transform.stdin[0]).toMatch(/^montage -shadow/);
  });

  it('reads a join with an outer join, and the default project without a warning', () => {
    const { spec, warnings } = parsePipelineSpec(JOIN_JSON, 'join.json');

    expect(warnings).toEqual([]);
    expect(spec.input).toMatchObject({
      kind: 'join',
      inputs: [
        { kind: 'pfs', repo: 'readings', glob: '/*/(*).txt', joinOn: '$1', outerJoin: false },
        { kind: 'pfs', repo: 'parameters', glob: '/(*).txt', joinOn: '$1', outerJoin: true },
      ],
    });
  });

  it('reads every implemented field, in protobuf JSON form, normalized', () => {
    const { spec } = parsePipelineSpec(FULL_JSON, 'full.json');

    expect(spec.input).toEqual({
      kind: 'cross',
      inputs: [
        {
          kind: 'group',
          inputs: [expect.objectContaining({ name: 'by_store', repo: 'sales', groupBy: '$2', joinOn: null })],
        },
        { kind: 'cron', name: 'tick', spec: '@every 60s', repo: 'scores_tick', overwrite: true },
        {
          kind: 'union',
          inputs: [
            expect.objectContaining({ name: 'a', glob: '/**', emptyFiles: true }),
            expect.objectContaining({ name: 'b', branch: 'dev', glob: '/data/*.csv' }),
          ],
        },
      ],
    });
    expect(spec.transform).toMatchObject({
      env: { MODE: 'fast' },
      errCmd: ['true'],
      errStdin: ['echo failed'],
      acceptReturnCode: [1, 2],
      workingDir: '/app',
      user: '1000',
      debug: true,
    });
    expect(spec.parallelismSpec).toEqual({ constant: 4 });
    expect(spec.resourceRequests).toEqual({
      cpu: 0.5,
      memoryBytes: 512 * 2 ** 20,
      diskBytes: 10e9,
      gpu: null,
    });
    expect(spec.resourceLimits).toEqual({
      cpu: 2,
      memoryBytes: 2 ** 30,
      diskBytes: null,
      gpu: { type: 'nvidia.com/gpu', number: 1 },
    });
    expect(spec).toMatchObject({
      datumTries: 5,
      datumTimeoutMs: 3_600_000,
      jobTimeoutMs: 5_400_000,
      outputBranch: 'out',
      reprocessSpec: 'every_job',
      salt: 's1',
      egress: { url: 's3://bucket/scores' },
      compute: { backend: 'batch', queue: 'gpu-queue', jobRoleArn: null },
    });
  });

  it('stores an eks compute block with its defaults left to the platform', () => {
    const yaml = `
pipeline: {name: p}
input: {pfs: {repo: r, glob: /*}}
transform: {cmd: [run]}
compute: {backend: eks, namespace: data-jobs}
`;
    const { spec } = parsePipelineSpec(yaml, 'p.yaml');

    expect(spec.compute).toEqual({
      backend: 'eks',
      cluster: null,
      namespace: 'data-jobs',
      serviceAccount: null,
    });
    expect(spec.transform.image).toBeNull();
  });

  it('names a cron input’s tick repo after the pipeline unless the spec names one', () => {
    const yaml = `
pipeline: {name: nightly}
input:
  cross:
    - cron: {name: tick, spec: "0 2 * * *"}
    - cron: {name: other, spec: "@hourly", repo: my_ticks}
transform: {cmd: [run]}
`;
    const { spec } = parsePipelineSpec(yaml, 'nightly.yaml');

    expect(spec.input).toMatchObject({
      inputs: [
        { kind: 'cron', repo: 'nightly_tick', overwrite: false },
        { kind: 'cron', repo: 'my_ticks' },
      ],
    });
  });

  it('returns a frozen spec', () => {
    const { spec } = parsePipelineSpec(EDGES_JSON, 'edges.json');

    expect(Object.isFrozen(spec)).toBe(true);
    expect(Object.isFrozen(spec.transform.cmd)).toBe(true);
  });
});

describe('parsePipelineSpec: YAML and JSON', () => {
  it('gives the same spec for the YAML form, with other key order and spelled-out defaults', () => {
    const fromJson = parsePipelineSpec(EDGES_JSON, 'edges.json').spec;
    const fromYaml = parsePipelineSpec(EDGES_YAML, 'edges.yaml').spec;

    expect(fromYaml).toEqual(fromJson);
  });

  it('reads JSON with a byte-order mark and YAML that starts with a comment', () => {
    expect(parsePipelineSpec(`\uFEFF${EDGES_JSON}`, 'bom.json').spec.name).toBe('edges');
    expect(parsePipelineSpec(EDGES_YAML, 'edges.yaml').spec.name).toBe('edges');
  });

  it('accepts a $schema reference for editors and ignores it', () => {
    const json = EDGES_JSON.replace('{', '{ "$schema": "./pipeline.schema.json",');

    const { spec, warnings } = parsePipelineSpec(json, 'edges.json');

    expect(warnings).toEqual([]);
    expect(spec).toEqual(parsePipelineSpec(EDGES_JSON, 'edges.json').spec);
  });
});

describe('specVersionHash', () => {
  it('is the same for JSON and YAML forms of one pipeline', () => {
    const fromJson = specVersionHash(parsePipelineSpec(EDGES_JSON, 'edges.json').spec);
    const fromYaml = specVersionHash(parsePipelineSpec(EDGES_YAML, 'edges.yaml').spec);

    expect(fromJson).toMatch(/^[0-9a-f]{64}$/);
    expect(fromYaml).toBe(fromJson);
  });

  it('changes when what the pipeline does changes', () => {
    const base = specVersionHash(parsePipelineSpec(EDGES_JSON, 'edges.json').spec);
    const otherCommand = EDGES_JSON.replace('/edges.py', '/edges2.py');
    const otherGlob = EDGES_JSON.replace('"/*"', '"/**"');

    expect(specVersionHash(parsePipelineSpec(otherCommand, 'a.json').spec)).not.toBe(base);
    expect(specVersionHash(parsePipelineSpec(otherGlob, 'b.json').spec)).not.toBe(base);
  });

  it('hashes canonical JSON: keys sorted at every depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}',
    );
  });
});

describe('parsePipelineSpec: protobuf JSON conventions', () => {
  it('reads a field set to null as absent, and zero values of join and group fields as unset', () => {
    const json = `{
      "pipeline": { "name": "edges" },
      "description": null,
      "input": { "pfs": { "repo": "images", "glob": "/*", "join_on": "", "group_by": "", "outer_join": false } },
      "transform": { "cmd": [ "python3", "/edges.py" ], "image": "pachyderm/opencv:1.0", "err_cmd": null },
      "egress": null
    }`;

    const { spec } = parsePipelineSpec(json, 'edges.json');

    expect(spec.description).toBe('');
    expect(spec.input).toMatchObject({ joinOn: null, groupBy: null, outerJoin: false });
    expect(spec.transform.errCmd).toBeNull();
    expect(spec.egress).toBeNull();
  });

  it('parses a document already read from JSON the same way as its text', () => {
    const document: unknown = JSON.parse(EDGES_JSON);

    expect(parsePipelineSpecDocument(document, 'request body').spec).toEqual(
      parsePipelineSpec(EDGES_JSON, 'edges.json').spec,
    );
  });
});
