/**
 * Large files move through the process executor as streams: inputs are written to disk as their
 * chunks arrive, and outputs are read back a chunk at a time, never whole.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProcessExecutor } from '../../adapters/local/process-executor.ts';
import type { DatumInputFile } from '../../pipelines/executor.ts';
import { datumRun } from '../fixtures/executor/datum-runs.ts';

const MIB = 1024 * 1024;
const SIZE = 50 * MIB;

/** 50 MiB that differ chunk by chunk, made as they are pulled. */
async function* bigFileChunks(progress: { produced: number }): AsyncGenerator<Uint8Array> {
  for (let index = 0; index < SIZE / MIB; index++) {
    const chunk = new Uint8Array(MIB);
    for (let offset = 0; offset < MIB; offset += 4096) chunk[offset] = (index * 31 + offset / 4096) % 256;
    progress.produced += chunk.byteLength;
    yield chunk;
  }
}

async function sha256Of(chunks: AsyncIterable<Uint8Array>): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of chunks) hash.update(chunk);
  return hash.digest('hex');
}

describe('ProcessExecutor streaming', () => {
  let scratchDir: string;

  beforeEach(async () => {
    scratchDir = await mkdtemp(join(tmpdir(), 'strata-executor-'));
  });
  afterEach(async () => {
    await rm(scratchDir, { recursive: true, force: true });
  });

  it('moves a 50 MB file in and out a chunk at a time', async () => {
    // Arrange
    const expected = await sha256Of(bigFileChunks({ produced: 0 }));
    const progress = { produced: 0 };
    const input: DatumInputFile = { inputName: 'in', path: '/big.bin', open: () => bigFileChunks(progress) };
    const executor = new ProcessExecutor({ scratchDir, hostIsolation: 'host-env', containerEngine: 'none' });

    // Act
    const outcome = await executor.runDatum(
      datumRun({ inputs: [input], transform: { cmd: ['cp', '/pfs/in/big.bin', '/pfs/out/big.bin'] } }),
    );
    const output = outcome.outputs[0]!;
    const hash = createHash('sha256');
    let largestChunk = 0;
    let chunks = 0;
    for await (const chunk of output.open()) {
      hash.update(chunk);
      largestChunk = Math.max(largestChunk, chunk.byteLength);
      chunks++;
    }
    await outcome.cleanup();

    // Assert
    expect(progress.produced).toBe(SIZE);
    expect(outcome.outputs.map((file) => [file.path, file.size])).toEqual([['/big.bin', SIZE]]);
    expect(hash.digest('hex')).toBe(expected);
    expect(largestChunk).toBeLessThanOrEqual(MIB);
    expect(chunks).toBeGreaterThanOrEqual(SIZE / MIB);
  });

  it('reads an output file again from the start each time it is opened', async () => {
    const executor = new ProcessExecutor({ scratchDir, hostIsolation: 'host-env', containerEngine: 'none' });
    const outcome = await executor.runDatum(
      datumRun({ transform: { cmd: ['cp', '/pfs/in/a.txt', '/pfs/out/a'] } }),
    );
    const output = outcome.outputs[0]!;

    const first = await sha256Of(output.open());
    const second = await sha256Of(output.open());

    expect(second).toBe(first);
    await outcome.cleanup();
  });
});
