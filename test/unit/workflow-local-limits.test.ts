import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../pipelines/workflow/asl-json.ts';
import { rewriteForLocalEngine } from '../../pipelines/workflow/local-rewrite.ts';
import { InvalidArgumentError } from '../../versioning/errors.ts';

/** A definition whose one state is a Distributed Map reading a JSONL manifest, with `map` laid over it. */
function mapDefinition(map: JsonObject): JsonObject {
  return {
    StartAt: 'Fan',
    States: {
      Fan: {
        Type: 'Map',
        ItemReader: {
          Resource: 'arn:aws:states:::s3:getObject',
          ReaderConfig: { InputType: 'JSONL' },
          Parameters: { Bucket: 'b', Key: 'k' },
        },
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'Work',
          States: { Work: { Type: 'Pass', End: true } },
        },
        ResultPath: null,
        End: true,
        ...map,
      },
    },
  };
}

describe('rewriteForLocalEngine: refusals', () => {
  it.each<[string, JsonObject, RegExp]>([
    ['an ItemBatcher', mapDefinition({ ItemBatcher: { MaxItemsPerBatch: 10 } }), /ItemBatcher/],
    [
      'an ItemReader that lists objects',
      mapDefinition({
        ItemReader: { Resource: 'arn:aws:states:::s3:listObjectsV2', Parameters: {} },
      }),
      /ItemReader other than/,
    ],
    [
      'a CSV ItemReader',
      mapDefinition({
        ItemReader: { Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: { InputType: 'CSV' } },
      }),
      /InputType CSV/,
    ],
    ['a Distributed Map with an InputPath', mapDefinition({ InputPath: '$.plan' }), /InputPath/],
    ['a Distributed Map whose results enter the payload', mapDefinition({ ResultPath: '$.r' }), /ResultPath/],
    ['JSONata', { QueryLanguage: 'JSONata', StartAt: 'A', States: { A: { Type: 'Succeed' } } }, /JSONata/],
    [
      'variables',
      { StartAt: 'A', States: { A: { Type: 'Pass', Assign: { x: 1 }, End: true } } },
      /assigns variables/,
    ],
    [
      'task tokens',
      {
        StartAt: 'A',
        States: {
          A: { Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken', End: true },
        },
      },
      /task token/,
    ],
  ])('refuses %s, naming the state', (_, definition, reason) => {
    expect(() => rewriteForLocalEngine(definition)).toThrow(InvalidArgumentError);
    expect(() => rewriteForLocalEngine(definition)).toThrow(reason);
  });

  it('refuses something that is not a state machine', () => {
    expect(() => rewriteForLocalEngine({ States: {} })).toThrow(/not a state machine definition at StartAt/);
    expect(() => rewriteForLocalEngine({ StartAt: 'X', States: {} })).toThrow(/starts at "X"/);
  });
});

describe('rewriteForLocalEngine: what it accepts', () => {
  it('accepts a Distributed Map over a JSON manifest, or over the state’s own items', () => {
    expect(() => rewriteForLocalEngine(mapDefinition({}))).not.toThrow();
    expect(() =>
      rewriteForLocalEngine(mapDefinition({ ItemReader: { Resource: 'arn:aws:states:::s3:getObject' } })),
    ).not.toThrow();
  });

  it('finds what it refuses inside nested state machines too', () => {
    const nested = {
      StartAt: 'Outer',
      States: {
        Outer: {
          Type: 'Parallel',
          Branches: [{ StartAt: 'A', States: { A: { Type: 'Pass', Assign: { x: 1 }, End: true } } }],
          End: true,
        },
      },
    };
    expect(() => rewriteForLocalEngine(nested)).toThrow(
      /State \$\.States\.Outer\.Branches\[0\]\.States\.A assigns variables/,
    );
  });
});
