/**
 * What lets an engine read weights from disk and drop the host copy: `readSafetensors` records where a
 * local file's F32 tensors sit in the file, and a released `Parameter` throws a typed error until it is
 * given a new value.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HostWeightsReleasedError } from '../src/errors.js';
import { fileRegionOf } from '../src/file-origin.js';
import { Parameter } from '../src/module.js';
import { readSafetensors } from '../src/safetensors.js';

const FILE = fileURLToPath(new URL('../../../testdata/gpt2-tiny/model.safetensors', import.meta.url));

/** The file offset of `name`'s bytes, from the header read by hand: 8 + header length + data_offsets[0]. */
function offsetInFile(name: string): { offset: number; length: number } {
  const bytes = readFileSync(FILE);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8'));
  const [begin, end] = header[name].data_offsets as [number, number];
  return { offset: 8 + headerLength + begin, length: end - begin };
}

describe('file regions of loaded tensors', () => {
  it('a local file (path or file: URL) records each F32 tensor at 8 + header length + its data offset', async () => {
    for (const source of [FILE, pathToFileURL(FILE)]) {
      const { tensors } = await readSafetensors(source);
      for (const name of ['transformer.wte.weight', 'transformer.ln_f.bias']) {
        const region = fileRegionOf(tensors.get(name)!.tensor.data);
        expect(region, name).toMatchObject({ path: path.resolve(FILE), ...offsetInFile(name), fileSize: readFileSync(FILE).byteLength });
      }
    }
  });

  it('bytes passed in, and copies of loaded arrays, have no region', async () => {
    const fromBytes = await readSafetensors(new Uint8Array(readFileSync(FILE)));
    expect(fileRegionOf(fromBytes.tensors.get('transformer.wte.weight')!.tensor.data)).toBeUndefined();
    const { tensors } = await readSafetensors(FILE);
    expect(fileRegionOf(tensors.get('transformer.wte.weight')!.tensor.data.slice())).toBeUndefined();
  });
});

describe('Parameter.releaseHostValue', () => {
  it('value throws HostWeightsReleasedError with the given message until a new value is set or assigned', () => {
    const p = new Parameter([2]);
    p.value = { dtype: 'float32', shape: [2], data: Float32Array.of(1, 2) };
    p.releaseHostValue('parameter "w" is in the engine only');
    expect(p.hasHostValue).toBe(false);
    expect(() => p.value).toThrow(HostWeightsReleasedError);
    expect(() => p.value).toThrow('parameter "w" is in the engine only');
    p.assign({ dtype: 'float32', shape: [2], data: Float32Array.of(3, 4) }, 'w');
    expect(p.hasHostValue).toBe(true);
    expect(Array.from(p.value.data)).toEqual([3, 4]);
    p.releaseHostValue('gone again');
    p.value = { dtype: 'float32', shape: [2], data: Float32Array.of(5, 6) };
    expect(Array.from(p.value.data)).toEqual([5, 6]);
  });
});
