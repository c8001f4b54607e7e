import { readdirSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LoadError, SafetensorsError, ShapeMismatchError } from '../src/errors.js';
import { hostTensor, type HostTensor } from '../src/host.js';
import {
  parseSafetensors,
  readSafetensors,
  serializeSafetensors,
  writeSafetensors,
} from '../src/safetensors.js';
import { assemble, bytes8, concat, entry, f32, f64, i16, i32, i64, u16 } from './helpers/safetensors-bytes.js';

const TESTDATA = fileURLToPath(new URL('../../../testdata/', import.meta.url));
const FIXTURES = readdirSync(TESTDATA, { recursive: true, encoding: 'utf8' })
  .filter((path) => path.endsWith('.safetensors'))
  .sort();

/** Header and float32 values read straight from the bytes, without the reader under test. */
function rawFile(bytes: Uint8Array) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dataStart = 8 + Number(view.getBigUint64(0, true));
  const { __metadata__: metadata, ...entries } = JSON.parse(new TextDecoder().decode(bytes.subarray(8, dataStart)));
  const floats = (name: string) => {
    const [begin, end] = entries[name].data_offsets as [number, number];
    return Float32Array.from({ length: (end - begin) / 4 }, (_, i) => view.getFloat32(dataStart + begin + 4 * i, true));
  };
  return { metadata, entries: entries as Record<string, { dtype: string; shape: number[] }>, floats };
}

/** Index of the first element that differs (NaN equals NaN), or -1; far faster than toEqual on 100k elements. */
function firstDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Math.min(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) if (!Object.is(actual[i], expected[i])) return i;
  return -1;
}

describe('reading the reference fixtures', () => {
  it('finds every checkpoint under testdata', () => {
    expect(FIXTURES.length).toBeGreaterThanOrEqual(6);
    expect(FIXTURES).toContain(join('gpt2-hf-fake', 'model.safetensors'));
  });

  it.each(FIXTURES)('%s: names, shapes and every value match the raw bytes', async (path) => {
    const bytes = new Uint8Array(await readFile(join(TESTDATA, path)));
    const raw = rawFile(bytes);
    const file = await readSafetensors(join(TESTDATA, path));
    expect(file.metadata).toEqual(raw.metadata);
    expect([...file.tensors.keys()].sort()).toEqual(Object.keys(raw.entries).sort());
    for (const [name, { dtype, shape, tensor }] of file.tensors) {
      expect(dtype).toBe(raw.entries[name]!.dtype);
      expect(shape).toEqual(raw.entries[name]!.shape);
      expect(tensor.shape).toEqual(shape);
      expect(tensor.dtype).toBe('float32');
      expect(firstDifference(tensor.data, raw.floats(name))).toBe(-1);
    }
  });

  it.each(FIXTURES)('%s: serializing what was read gives back the same bytes (same layout as the HF writer)', async (path) => {
    const bytes = new Uint8Array(await readFile(join(TESTDATA, path)));
    const file = parseSafetensors(bytes, path);
    const tensors = new Map([...file.tensors].map(([name, { tensor }]) => [name, tensor]));
    const written = serializeSafetensors(tensors, file.metadata);
    expect(written.byteLength).toBe(bytes.byteLength);
    expect(firstDifference(written, bytes)).toBe(-1);
  });

  it('gpt2-tiny: GPT-2 names, Conv1D [in, out] shapes, no lm_head, known values', async () => {
    const { metadata, tensors } = await readSafetensors(join(TESTDATA, 'gpt2-tiny', 'model.safetensors'));
    expect(metadata).toEqual({ format: 'pt' });
    expect(tensors.size).toBe(28);
    expect(tensors.get('transformer.wte.weight')!.shape).toEqual([1000, 64]);
    expect(tensors.get('transformer.wpe.weight')!.shape).toEqual([64, 64]);
    expect(tensors.get('transformer.h.0.attn.c_attn.weight')!.shape).toEqual([64, 192]);
    expect(tensors.get('transformer.h.1.mlp.c_proj.weight')!.shape).toEqual([256, 64]);
    expect(tensors.has('lm_head.weight')).toBe(false);
    // Values read with Python's struct module from the same file.
    const wte = tensors.get('transformer.wte.weight')!.tensor.data;
    expect([wte[0], wte[1], wte[63999]]).toEqual([-0.03207673504948616, 0.0012819982366636395, 0.016844630241394043]);
    const fcBias = tensors.get('transformer.h.1.mlp.c_fc.bias')!.tensor.data;
    expect([fcBias[0], fcBias[255]]).toEqual([0.036758508533239365, -0.0068266503512859344]);
  });

  it('bert-tiny: BERT names and shapes, no decoder weight, known values', async () => {
    const { tensors } = await readSafetensors(pathToFileURL(join(TESTDATA, 'bert-tiny', 'model.safetensors')));
    expect(tensors.size).toBe(46);
    expect(tensors.get('bert.embeddings.word_embeddings.weight')!.shape).toEqual([1000, 64]);
    expect(tensors.get('bert.embeddings.token_type_embeddings.weight')!.shape).toEqual([2, 64]);
    expect(tensors.get('bert.encoder.layer.1.intermediate.dense.weight')!.shape).toEqual([128, 64]);
    expect(tensors.get('cls.seq_relationship.weight')!.shape).toEqual([2, 64]);
    expect(tensors.has('cls.predictions.decoder.weight')).toBe(false);
    const bias = tensors.get('cls.predictions.bias')!.tensor.data;
    expect([bias[0], bias[999]]).toEqual([-0.050309132784605026, 0.08616408705711365]);
    const query = tensors.get('bert.encoder.layer.0.attention.self.query.weight')!.tensor.data;
    expect([query[0], query[4095]]).toEqual([0.0015346602303907275, -0.01605295017361641]);
  });

  it('gpt2-hf-fake (a real save_pretrained file): 16 tensors, wte [50257, 2], known values', async () => {
    const { metadata, tensors } = await readSafetensors(join(TESTDATA, 'gpt2-hf-fake', 'model.safetensors'));
    expect(metadata).toEqual({ format: 'pt' });
    expect(tensors.size).toBe(16);
    expect(tensors.get('transformer.h.0.attn.c_attn.weight')!.shape).toEqual([2, 6]);
    const wte = tensors.get('transformer.wte.weight')!;
    expect(wte.shape).toEqual([50257, 2]);
    expect([wte.tensor.data[0], wte.tensor.data[1], wte.tensor.data[100513]]).toEqual([
      0.027433224022388458, 0.011697583831846714, -0.007940802723169327,
    ]);
    expect([...tensors.get('transformer.ln_f.weight')!.tensor.data]).toEqual([1, 1]);
  });

  it('bert-hf-tiniest: the padding row of the word embeddings is zero', async () => {
    const { tensors } = await readSafetensors(join(TESTDATA, 'bert-hf-tiniest', 'model.safetensors'));
    const words = tensors.get('bert.embeddings.word_embeddings.weight')!;
    expect(words.shape).toEqual([30522, 4]);
    expect([...words.tensor.data.subarray(0, 4)]).toEqual([0, 0, 0, 0]);
    expect(words.tensor.data[122087]).toBe(0.018204331398010254);
  });
});

/** Reads one tensor named "t" from a hand-built file. */
function readOne(dtype: string, shape: number[], data: Uint8Array): HostTensor {
  const file = parseSafetensors(assemble({ t: entry(dtype, shape, 0, data.byteLength) }, data));
  const stored = file.tensors.get('t')!;
  expect(stored.dtype).toBe(dtype);
  expect(stored.shape).toEqual(shape);
  return stored.tensor;
}

describe('dtypes', () => {
  it('F16: normals, subnormals, ±0, ±inf, NaN', () => {
    const bits = [0x3c00, 0xc000, 0x3555, 0x7bff, 0x0400, 0x0001, 0x03ff, 0x8000, 0x0000, 0x7c00, 0xfc00, 0x7e00];
    const { dtype, data } = readOne('F16', [12], u16(...bits));
    expect(dtype).toBe('float32');
    expect([...data]).toEqual([
      1, -2, 0.333251953125, 65504, 2 ** -14, 2 ** -24, 1023 * 2 ** -24, -0, 0, Infinity, -Infinity, NaN,
    ]);
    expect(Object.is(data[7], -0)).toBe(true);
    expect(Object.is(data[8], 0)).toBe(true);
  });

  it('BF16: top half of a float32, subnormals, ±inf, NaN', () => {
    const bits = [0x3f80, 0xc000, 0x4049, 0x0001, 0x8000, 0x7f80, 0xff80, 0x7fc0, 0x7f7f];
    const { dtype, data } = readOne('BF16', [3, 3], u16(...bits));
    expect(dtype).toBe('float32');
    expect([...data]).toEqual([1, -2, 3.140625, 2 ** -133, -0, Infinity, -Infinity, NaN, 0xff * 2 ** 120]);
  });

  it('F64 rounds to float32', () => {
    const { data } = readOne('F64', [4], f64(1.5, -2.25, 0.1, 1e300));
    expect([...data]).toEqual([1.5, -2.25, Math.fround(0.1), Infinity]);
  });

  it('I64 in int32 range becomes int32', () => {
    const { dtype, data } = readOne('I64', [5], i64(0n, -1n, 5n, 2n ** 31n - 1n, -(2n ** 31n)));
    expect(dtype).toBe('int32');
    expect([...data]).toEqual([0, -1, 5, 2 ** 31 - 1, -(2 ** 31)]);
  });

  it.each([2n ** 31n, -(2n ** 31n) - 1n, 2n ** 40n, -(2n ** 62n)])('I64 %s outside int32 is an error naming the tensor', (value) => {
    const data = i64(1n, value);
    const bytes = assemble({ 'input.ids': entry('I64', [2], 0, 16) }, data);
    expect(() => parseSafetensors(bytes, 'ids.safetensors')).toThrow(SafetensorsError);
    expect(() => parseSafetensors(bytes, 'ids.safetensors')).toThrow(
      `ids.safetensors: I64 tensor "input.ids" holds ${value} at element 1`,
    );
  });

  it('I32, I16, I8, U8, BOOL become int32', () => {
    expect([...readOne('I32', [3], i32(-(2 ** 31), 0, 2 ** 31 - 1)).data]).toEqual([-(2 ** 31), 0, 2 ** 31 - 1]);
    expect([...readOne('I16', [3], i16(-32768, -1, 32767)).data]).toEqual([-32768, -1, 32767]);
    expect([...readOne('I8', [3], bytes8(0x80, 0xff, 0x7f)).data]).toEqual([-128, -1, 127]);
    expect([...readOne('U8', [3], bytes8(0, 0x80, 0xff)).data]).toEqual([0, 128, 255]);
    const bools = readOne('BOOL', [4], bytes8(0, 1, 0, 2));
    expect(bools.dtype).toBe('int32');
    expect([...bools.data]).toEqual([0, 1, 0, 1]);
  });
});

describe('layout', () => {
  it('honours data_offsets: tensors stored out of name and header order', () => {
    // Data order c, a, b; header order b, c, a.
    const data = concat(f32(30, 31), i32(10, 11, 12), u16(0x3c00, 0x4000, 0x4200, 0x4400));
    const bytes = assemble(
      { b: entry('F16', [2, 2], 20, 28), c: entry('F32', [2], 0, 8), a: entry('I32', [3], 8, 20) },
      data,
    );
    const { tensors } = parseSafetensors(bytes);
    expect([...tensors.get('a')!.tensor.data]).toEqual([10, 11, 12]);
    expect([...tensors.get('b')!.tensor.data]).toEqual([1, 2, 3, 4]);
    expect([...tensors.get('c')!.tensor.data]).toEqual([30, 31]);
  });

  it('copies F32 and I32 tensors at unaligned offsets; views aligned ones', () => {
    const data = concat(bytes8(7, 9), f32(1.5, -2.5), i32(-3, 4));
    const header = { pad: entry('U8', [2], 0, 2), x: entry('F32', [2], 2, 10), y: entry('I32', [2], 10, 18) };
    const bytes = assemble(header, data);
    const { tensors } = parseSafetensors(bytes);
    expect([...tensors.get('x')!.tensor.data]).toEqual([1.5, -2.5]);
    expect([...tensors.get('y')!.tensor.data]).toEqual([-3, 4]);

    // The whole file at an odd offset inside a larger buffer.
    const shifted = new Uint8Array(bytes.byteLength + 1).subarray(1);
    shifted.set(bytes);
    expect([...parseSafetensors(shifted).tensors.get('x')!.tensor.data]).toEqual([1.5, -2.5]);

    const header8 = JSON.stringify({ x: entry('F32', [2], 0, 8) });
    const aligned = assemble(header8.padEnd(Math.ceil(header8.length / 8) * 8), f32(1, 2));
    expect(parseSafetensors(aligned).tensors.get('x')!.tensor.data.buffer).toBe(aligned.buffer);
  });

  it('accepts empty tensors and scalars', () => {
    const bytes = assemble(
      { empty: entry('F32', [0, 3], 4, 4), scalar: entry('F32', [], 0, 4), none: entry('I64', [2, 0], 4, 4) },
      f32(2.5),
    );
    const { tensors } = parseSafetensors(bytes);
    expect(tensors.get('empty')!.tensor).toEqual({ dtype: 'float32', shape: [0, 3], data: new Float32Array() });
    expect(tensors.get('none')!.tensor).toEqual({ dtype: 'int32', shape: [2, 0], data: new Int32Array() });
    expect(tensors.get('scalar')!.tensor).toEqual({ dtype: 'float32', shape: [], data: new Float32Array([2.5]) });
  });

  it('accepts what the reference accepts: padding, escapes, unknown fields, null metadata, a __proto__ name', () => {
    const header =
      '{"__metadata__":null,"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"note":[1.5,{"a":null}]},' +
      '"caf\\u00e9\\ud83d\\ude00":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}\t\r\n  ';
    const file = parseSafetensors(assemble(header, f32(1, 2)));
    expect(file.metadata).toEqual({});
    expect([...file.tensors.keys()]).toEqual(['__proto__', 'café😀']);
    expect(Array.from(file.tensors.get('café😀')!.tensor.data)).toEqual([2]);
    expect(Object.getPrototypeOf(file.tensors.get('__proto__'))).toBe(Object.prototype);
  });

  it('reads a file without __metadata__ as empty metadata', () => {
    expect(parseSafetensors(assemble({ x: entry('F32', [1], 0, 4) }, f32(1))).metadata).toEqual({});
  });
});

describe('writing', () => {
  const weight = hostTensor(new Float32Array([1, -2, 0.5, 3e-8, Infinity, -0]), [2, 3]);
  const ids = hostTensor(new Int32Array([7, -1, 2 ** 31 - 1]), [3]);
  const bias = hostTensor(new Float32Array([0.25]), [1]);

  it('round-trips float32 and int32 tensors and metadata', () => {
    const bytes = serializeSafetensors({ weight, ids, bias }, { format: 'pt', note: 'é ✓' });
    const file = parseSafetensors(bytes);
    expect(file.metadata).toEqual({ format: 'pt', note: 'é ✓' });
    expect(file.tensors.get('weight')).toEqual({ dtype: 'F32', shape: [2, 3], tensor: weight });
    expect(file.tensors.get('ids')).toEqual({ dtype: 'I32', shape: [3], tensor: ids });
    expect(Object.is(file.tensors.get('weight')!.tensor.data[5], -0)).toBe(true);
  });

  it('lays out like the reference writer: F32 then I32, each by name; header space-padded to 8', () => {
    const bytes = serializeSafetensors(new Map<string, HostTensor>([['weight', weight], ['ids', ids], ['bias', bias]]));
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    const headerLength = Number(view.getBigUint64(0, true));
    expect(headerLength % 8).toBe(0);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + headerLength));
    const json =
      '{"bias":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},' +
      '"weight":{"dtype":"F32","shape":[2,3],"data_offsets":[4,28]},' +
      '"ids":{"dtype":"I32","shape":[3],"data_offsets":[28,40]}}';
    expect(text).toBe(json.padEnd(headerLength, ' '));
    expect(headerLength - json.length).toBeLessThan(8);
    expect(bytes.byteLength).toBe(8 + headerLength + 40);
    expect(view.getFloat32(8 + headerLength, true)).toBe(0.25);
    expect(view.getInt32(8 + headerLength + 28, true)).toBe(7);
  });

  it('sorts names by code point and keeps integer-like names in that order', () => {
    const one = hostTensor(new Float32Array([1]), [1]);
    const names = ['b', '10', '2', '\u{1F600}', '\uFF61', 'B'];
    const bytes = serializeSafetensors(Object.fromEntries(names.map((name) => [name, one])));
    const header = new TextDecoder().decode(bytes.subarray(8, 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true))));
    const order = [...header.matchAll(/"([^"]+)":\{"dtype"/g)].map((match) => match[1]);
    expect(order).toEqual(['10', '2', 'B', 'b', '\uFF61', '\u{1F600}']);
    expect([...parseSafetensors(bytes).tensors.keys()].sort()).toEqual([...names].sort());
  });

  it('writes an empty file as a padded "{}" header', () => {
    const bytes = serializeSafetensors({});
    expect(new TextDecoder().decode(bytes.subarray(8))).toBe('{}      ');
    expect(parseSafetensors(bytes).tensors.size).toBe(0);
  });

  it('refuses a tensor named __metadata__ and data that does not fill the shape', () => {
    expect(() => serializeSafetensors({ __metadata__: bias })).toThrow(SafetensorsError);
    const ragged = { dtype: 'float32', shape: [2, 2], data: new Float32Array(3) } as HostTensor;
    expect(() => serializeSafetensors({ ragged })).toThrow(ShapeMismatchError);
  });

  it('writeSafetensors writes atomically and readSafetensors reads it back from a path and a file: URL', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'attn-safetensors-'));
    try {
      const path = join(dir, 'model.safetensors');
      await writeSafetensors(path, { weight, ids }, { format: 'pt' });
      expect(await readdir(dir)).toEqual(['model.safetensors']); // no temporary file left behind
      for (const source of [path, pathToFileURL(path)]) {
        const file = await readSafetensors(source);
        expect(file.metadata).toEqual({ format: 'pt' });
        expect(file.tensors.get('weight')!.tensor).toEqual(weight);
        expect(file.tensors.get('ids')!.tensor).toEqual(ids);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('malformed files', () => {
  const ok = { x: entry('F32', [2], 0, 8) };
  const cases: [string, Uint8Array, RegExp][] = [
    ['shorter than 8 bytes', new Uint8Array(5), /file is 5 bytes, shorter than the 8-byte header length/],
    ['header length past the end', assemble(ok, f32(1, 2), 1000n), /header length 1000 runs past the end of the file \(70 bytes\)/],
    ['absurd header length', assemble(ok, f32(1, 2), 2n ** 62n), /header length 4611686018427387904 is over the 100000000-byte limit/],
    ['header not JSON', assemble('{"x": {', f32(1, 2)), /header is not valid JSON: expected a key at character 7/],
    ['header not UTF-8', assemble(bytes8(0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d)), /header is not valid UTF-8/],
    ['header an array', assemble([ok]), /header must start with '\{', found U\+005B/],
    ['header null', assemble('null'), /header must start with '\{', found U\+006E/],
    // Stricter than JSON.parse, as the reference (serde_json) reader is:
    ['a byte-order mark before the header', assemble(`\ufeff${JSON.stringify(ok)}`, f32(1, 2)), /header must start with '\{', found U\+FEFF/],
    ['whitespace before the header', assemble(` ${JSON.stringify(ok)}`, f32(1, 2)), /header must start with '\{', found U\+0020/],
    ['a float literal in a shape', assemble('{"x":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}}', f32(1, 2)), /tensor "x" has shape \[2\.0\], expected an array of non-negative integers/],
    ['an exponent in a shape', assemble('{"x":{"dtype":"F32","shape":[2e0],"data_offsets":[0,8]}}', f32(1, 2)), /tensor "x" has shape \[2e0\]/],
    ['a float literal in the offsets', assemble('{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8.0]}}', f32(1, 2)), /tensor "x" has data_offsets \[0, 8\.0\], expected \[begin, end\]/],
    ['an exponent in the offsets', assemble('{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,0.8e1]}}', f32(1, 2)), /data_offsets \[0, 0\.8e1\]/],
    ['a -0 dimension', assemble('{"x":{"dtype":"F32","shape":[-0],"data_offsets":[0,0]}}'), /tensor "x" has shape \[-0\]/],
    ['a -0 offset', assemble('{"x":{"dtype":"F32","shape":[0],"data_offsets":[-0,0]}}'), /data_offsets \[-0, 0\]/],
    ['a duplicate tensor name', assemble('{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"x":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', f32(1, 2)), /duplicate key "x" at character 54/],
    ['a duplicate field', assemble('{"x":{"dtype":"F32","shape":[2],"shape":[2],"data_offsets":[0,8]}}', f32(1, 2)), /duplicate key "shape"/],
    ['a duplicate metadata key', assemble('{"__metadata__":{"a":"1","a":"2"}}'), /duplicate key "a"/],
    ['a lone surrogate escape', assemble('{"\\ud800":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}'), /lone high surrogate/],
    ['nesting past 128 in an unknown field', assemble(`{"x":{"dtype":"F32","shape":[0],"data_offsets":[0,0],"extra":${'['.repeat(5000)}${']'.repeat(5000)}}}`), /nesting deeper than 128/],
    ['trailing characters after the header', assemble(`${JSON.stringify(ok)}  x`, f32(1, 2)), /trailing characters after the header object/],
    ['a shape whose element count overflows', assemble({ x: entry('F32', [2 ** 40, 2 ** 40, 0], 0, 0) }), /whose element count overflows/],
    ['metadata not strings', assemble({ __metadata__: { epoch: 3 }, ...ok }, f32(1, 2)), /__metadata__ value for "epoch" is not a string/],
    ['entry not an object', assemble({ x: [0, 8] }, f32(1, 2)), /tensor "x" has a header entry that is not an object/],
    ['missing dtype', assemble({ x: { shape: [2], data_offsets: [0, 8] } }, f32(1, 2)), /tensor "x" has no dtype/],
    ['missing shape', assemble({ x: { dtype: 'F32', data_offsets: [0, 8] } }, f32(1, 2)), /tensor "x" has no shape/],
    ['missing data_offsets', assemble({ x: { dtype: 'F32', shape: [2] } }, f32(1, 2)), /tensor "x" has no data_offsets/],
    ['fractional shape', assemble({ x: entry('F32', [2.5], 0, 8) }, f32(1, 2)), /tensor "x" has shape \[2\.5\], expected an array of non-negative integers/],
    ['negative shape', assemble({ x: entry('F32', [-2], 0, 8) }, f32(1, 2)), /tensor "x" has shape \[-2\]/],
    ['string shape', assemble({ x: entry('F32', '2' as never, 0, 8) }, f32(1, 2)), /tensor "x" has shape "2"/],
    ['one offset', assemble({ x: { dtype: 'F32', shape: [2], data_offsets: [8] } }, f32(1, 2)), /tensor "x" has data_offsets \[8\], expected \[begin, end\]/],
    ['unknown dtype', assemble({ x: entry('F8_E4M3', [8], 0, 8) }, f32(1, 2)), /tensor "x" has unsupported dtype "F8_E4M3"/],
    ['non-string dtype', assemble({ x: entry(4 as never, [2], 0, 8) }, f32(1, 2)), /tensor "x" has a dtype that is not a string/],
    ['offsets past the data', assemble({ x: entry('F32', [4], 0, 16) }, f32(1, 2)), /tensor "x" has data_offsets \[0, 16\] past the end of the data section \(8 bytes\)/],
    ['begin > end', assemble({ x: entry('F32', [0], 8, 0) }, f32(1, 2)), /tensor "x" has data_offsets \[8, 0\] with begin > end/],
    ['size ≠ shape × dtype', assemble({ x: entry('F32', [3], 0, 8) }, f32(1, 2)), /tensor "x" has 8 bytes of data, expected 12 for F32 shape \[3\]/],
    ['size ≠ shape × dtype (F16)', assemble({ x: entry('F16', [2], 0, 8) }, f32(1, 2)), /tensor "x" has 8 bytes of data, expected 4 for F16 shape \[2\]/],
    ['overlap', assemble({ a: entry('F32', [2], 0, 8), b: entry('F32', [2], 4, 12) }, f32(1, 2, 3)), /tensors "a" \[0, 8\) and "b" \[4, 12\) overlap/],
    ['same bytes twice', assemble({ a: entry('F32', [2], 0, 8), b: entry('I32', [2], 0, 8) }, f32(1, 2)), /tensors "[ab]" \[0, 8\) and "[ab]" \[0, 8\) overlap/],
    ['gap', assemble({ a: entry('F32', [1], 0, 4), b: entry('F32', [1], 8, 12) }, f32(1, 2, 3)), /data bytes \[4, 8\) before tensor "b" belong to no tensor \(gap\)/],
    ['trailing bytes', assemble({ x: entry('F32', [1], 0, 4) }, f32(1, 2)), /data section is 8 bytes but the tensors end at 4 \(4 trailing bytes\)/],
  ];

  it.each(cases)('%s', (_, bytes, message) => {
    let thrown: unknown;
    try {
      parseSafetensors(bytes, 'bad.safetensors');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SafetensorsError);
    expect((thrown as Error).message).toMatch(/^bad\.safetensors: /);
    expect((thrown as Error).message).toMatch(message);
  });

  it('names in-memory bytes by their size when no source is given', () => {
    expect(() => parseSafetensors(new Uint8Array(3))).toThrow('<3 bytes>: file is 3 bytes');
  });

  it('readSafetensors names the path in format errors and throws LoadError for a missing file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'attn-safetensors-'));
    try {
      const path = join(dir, 'truncated.safetensors');
      await writeFile(path, new Uint8Array(4));
      await expect(readSafetensors(path)).rejects.toThrow(`${path}: file is 4 bytes`);
      await expect(readSafetensors(join(dir, 'missing.safetensors'))).rejects.toThrow(LoadError);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
