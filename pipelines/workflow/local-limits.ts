/**
 * What the local engine cannot run faithfully, refused before the local rewrite (local-rewrite.ts,
 * transformation 1) with a message that names the state and says what to do instead: JSONata,
 * `Assign` variables and task tokens (aws-local-stepfunctions does not support them); an
 * ItemBatcher (children would get one item instead of `{Items: [...]}`); an ItemReader other than a
 * JSON or JSONL `s3:getObject` (the only one with a local stand-in); a Distributed Map with an
 * InputPath (the stand-in puts the items beside the map's input) or a ResultPath other than null
 * (a Distributed Map's results belong in S3, not in the payload).
 */
import { z } from 'zod';
import { InvalidArgumentError } from '../../versioning/errors.ts';
import { type AslState, type AslStateMachine, isJsonObject, nestedStateMachines } from './asl-json.ts';

const S3_GET_OBJECT = 'arn:aws:states:::s3:getObject';
const ITEM_INPUT_TYPES = ['JSON', 'JSONL'];

export function refuseUnsupported(machine: AslStateMachine, where: string): void {
  if (machine.QueryLanguage === 'JSONata') refuse(where, 'uses JSONata, which the local engine does not run');
  for (const [name, state] of Object.entries(machine.States)) {
    const at = `${where}.States.${name}`;
    if (state.QueryLanguage === 'JSONata') refuse(at, 'uses JSONata, which the local engine does not run');
    if (state.Assign !== undefined) refuse(at, 'assigns variables, which the local engine does not support');
    if (typeof state.Resource === 'string' && state.Resource.endsWith('.waitForTaskToken')) {
      refuse(at, 'waits for a task token, which the local engine does not support');
    }
    if (state.Type === 'Map') refuseUnsupportedMap(state, at);
    for (const nested of nestedStateMachines(state, at)) refuseUnsupported(nested.machine, nested.where);
  }
}

function refuseUnsupportedMap(map: AslState, at: string): void {
  if (map.ItemBatcher !== undefined) {
    refuse(
      at,
      'has an ItemBatcher, which the local engine cannot emulate (children would get one item, not {Items: [...]}); ' +
        'remove it: work units are already batches of datums',
    );
  }
  if (map.ItemReader !== undefined) {
    const reader = ItemReaderSchema.safeParse(map.ItemReader);
    if (!reader.success || reader.data.Resource !== S3_GET_OBJECT) {
      refuse(at, `has an ItemReader other than "${S3_GET_OBJECT}"; only that one has a local stand-in`);
    }
    const inputType = reader.data.ReaderConfig?.InputType ?? 'JSON';
    if (!ITEM_INPUT_TYPES.includes(inputType)) {
      refuse(
        at,
        `reads items of InputType ${inputType}; the local stand-in reads ${ITEM_INPUT_TYPES.join(' or ')}`,
      );
    }
  }
  if (isDistributed(map) && map.InputPath !== undefined) {
    refuse(at, 'is a Distributed Map with an InputPath; select its fields in ItemSelector instead');
  }
  if (isDistributed(map) && map.ResultPath !== null) {
    refuse(
      at,
      'is a Distributed Map whose results enter the payload; set "ResultPath": null and export results with a ResultWriter',
    );
  }
}

export function refuse(where: string, reason: string): never {
  throw new InvalidArgumentError(`State ${where} ${reason}.`);
}

export const ItemReaderSchema = z.object({
  Resource: z.string(),
  Parameters: z.record(z.string(), z.json()).optional(),
  ReaderConfig: z
    .object({
      InputType: z.string().optional(),
      MaxItems: z.int().min(1).optional(),
      MaxItemsPath: z.string().optional(),
    })
    .optional(),
});

export function isDistributed(map: AslState): boolean {
  const processor = map.ItemProcessor;
  if (!isJsonObject(processor)) return false;
  const config = processor.ProcessorConfig;
  return isJsonObject(config) && config.Mode === 'DISTRIBUTED';
}
