/**
 * Fuzzes the safetensors reader with mutations of the real fixture files: flipped bytes, edited header
 * fields, raw-text edits of the header JSON (float literals, duplicates, BOM, nesting), truncation,
 * extension and lying length prefixes. Every outcome must be a parsed file or a SafetensorsError; a
 * parsed file must be consistent with its own bytes, checked here without the reader.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type SafetensorsFile, parseSafetensors } from '@attnjs/core';
import { expect, it } from 'vitest';
import { TESTDATA } from './engines.js';
import { HOSTILE_VALUES, PROTOTYPE_KEYS, type Random, fuzz, fuzzCases } from './fuzz-support.js';

const FIXTURES = readdirSync(fileURLToPath(TESTDATA), { recursive: true, encoding: 'utf8' })
  .filter((path) => path.endsWith('.safetensors'))
  .sort()
  .map((path) => {
    const bytes = new Uint8Array(readFileSync(new URL(path, TESTDATA)));
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const header = new TextDecoder().decode(bytes.subarray(8, 8 + headerLength));
    return { path, bytes, headerLength, header };
  });
type Fixture = (typeof FIXTURES)[number];

const ELEMENT_BYTES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

/**
 * Mutated files are written into one reused buffer: allocating (and zeroing) a fresh 600 KB array per
 * case would cost more than parsing it. A parsed file's views into it are checked before the next case.
 */
const scratch = new Uint8Array(Math.max(...FIXTURES.map((f) => f.bytes.length)) * 2);
const scratchView = new DataView(scratch.buffer);

/** A file of `header` (text) and `data` in the scratch buffer. */
function assemble(header: string, data: Uint8Array): Uint8Array {
  const { written: length } = new TextEncoder().encodeInto(header, scratch.subarray(8, scratch.length - data.length));
  scratchView.setBigUint64(0, BigInt(length), true);
  scratch.set(data, 8 + length);
  return scratch.subarray(0, 8 + length + data.length);
}

/** A copy of the fixture's bytes, `extra` bytes longer (zeros), in the scratch buffer. */
function copyOf(f: Fixture, extra = 0): Uint8Array {
  scratch.set(f.bytes);
  scratch.fill(0, f.bytes.length, f.bytes.length + extra);
  return scratch.subarray(0, f.bytes.length + extra);
}

const dataOf = (f: Fixture) => f.bytes.subarray(8 + f.headerLength);

const LITERALS = ['2.0', '1e1', '-0', '-1', '0.5', '18446744073709551616', '1e400', '01', '9007199254740993', '[]', 'null', '"8"'];
const SNIPPETS = ['{', '}', '[', ']', '"', ',', ':', '\\', '\\u12', '\\ud800', '\u0001', '\ufeff', ' ', '[[[[[[[[', 'nul'];

function mutateHeaderField(random: Random, f: Fixture): string {
  const header = JSON.parse(f.header) as Record<string, Record<string, unknown>>;
  const names = Object.keys(header);
  const name = random.pick(names);
  const entry = header[name]!;
  const field = random.pick(['dtype', 'shape', 'data_offsets', 'extra', 'delete', 'rename', 'drop']);
  if (field === 'delete') delete entry[random.pick(Object.keys(entry).concat('dtype'))];
  else if (field === 'rename') {
    header[random.pick([...PROTOTYPE_KEYS, '', '__metadata__', random.pick(names)])] = entry;
    delete header[name];
  } else if (field === 'drop') delete header[name];
  else if (field === 'dtype') entry.dtype = random.pick(['F32', 'F16', 'BF16', 'F64', 'I64', 'I8', 'U8', 'BOOL', 'F8_E4M3', ...HOSTILE_VALUES]);
  else if (field === 'extra') entry[random.pick(PROTOTYPE_KEYS)] = random.pick(HOSTILE_VALUES);
  else if (Array.isArray(entry[field])) {
    const list = [...(entry[field] as unknown[])];
    const at = random.int(list.length + 1);
    const op = random.int(4);
    if (op === 0) list[at] = random.pick(HOSTILE_VALUES);
    else if (op === 1) list.splice(at, 1);
    else if (op === 2) list.splice(at, 0, random.pick([1, 2, 0, 4]));
    else list[at] = ((list[at] as number) ?? 0) + random.pick([-4, -1, 1, 4, 2 ** 32]);
    entry[field] = list;
  } else entry[field] = random.pick(HOSTILE_VALUES);
  return JSON.stringify(header);
}

function mutateHeaderText(random: Random, text: string): string {
  const op = random.int(5);
  if (op === 0) {
    // Replace one integer literal (a dimension or an offset) with a float, -0, a huge number, …
    const numbers = [...text.matchAll(/(?<=[[,])\d+(?=[\],])/g)];
    const m = random.pick(numbers);
    return text.slice(0, m.index) + random.pick(LITERALS) + text.slice(m.index! + m[0].length);
  }
  if (op === 1) {
    // Duplicate one entry (same name twice), or one field inside it.
    const m = random.pick([...text.matchAll(/"[^"]+":\{"dtype":"[A-Z0-9]+","shape":\[[^\]]*\],"data_offsets":\[\d+,\d+\]\}/g)]);
    return m ? text.slice(0, m.index) + m[0] + ',' + text.slice(m.index!) : text.replace('"shape"', '"shape":[1],"shape"');
  }
  if (op === 2) return random.pick(['\ufeff', ' ', '\n']) + text;
  const at = random.int(text.length + 1);
  if (op === 3) return text.slice(0, at) + random.pick(SNIPPETS) + text.slice(at);
  return text.slice(0, at); // cut
}

type Mutation = (random: Random, f: Fixture) => Uint8Array;
const MUTATIONS: Record<string, Mutation> = {
  'flip header bytes': (random, f) => {
    const out = copyOf(f);
    for (let n = 1 + random.int(4); n > 0; n--) out[random.int(8 + f.headerLength)] ^= 1 << random.int(8);
    return out;
  },
  'flip data bytes': (random, f) => {
    const out = copyOf(f);
    for (let n = 1 + random.int(16); n > 0; n--) out[8 + f.headerLength + random.int(out.length - 8 - f.headerLength)] = random.int(256);
    return out;
  },
  'edit a header field': (random, f) => assemble(mutateHeaderField(random, f), dataOf(f)),
  'edit the header text': (random, f) => assemble(mutateHeaderText(random, f.header), dataOf(f)),
  truncate: (random, f) => copyOf(f).subarray(0, random.int(f.bytes.length)),
  extend: (random, f) => copyOf(f, 1 + random.int(64)),
  'lie about the header length': (random, f) => {
    const out = copyOf(f);
    const lie = random.pick([0n, 1n, 7n, BigInt(f.headerLength - 1), BigInt(f.headerLength + 1), 100_000_001n, 2n ** 63n, 2n ** 64n - 1n]);
    scratchView.setBigUint64(0, lie, true);
    return out;
  },
};

/**
 * A parsed file agrees with its bytes: shapes are counts, data lengths match, the tensors tile the data
 * section. (Plain checks rather than `expect`: this runs for every tensor of thousands of files.)
 */
function checkConsistent(file: SafetensorsFile, bytes: Uint8Array): void {
  const dataLength = bytes.length - 8 - Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  let total = 0;
  for (const [name, { dtype, shape, tensor }] of file.tensors) {
    const count = shape.reduce((a, b) => a * b, 1);
    const floats = dtype.startsWith('F') || dtype === 'BF16';
    const fits = shape.every((d) => Number.isSafeInteger(d) && d >= 0) && tensor.data.length === count;
    if (!fits || tensor.dtype !== (floats ? 'float32' : 'int32')) {
      throw new Error(`tensor "${name}" (${dtype} [${shape.join(', ')}]) has ${tensor.data.length} ${tensor.dtype} values`);
    }
    total += count * ELEMENT_BYTES[dtype]!;
  }
  if (total !== dataLength) throw new Error(`the tensors hold ${total} bytes of a ${dataLength}-byte data section`);
}

it('mutated safetensors files give a consistent file or a SafetensorsError', async () => {
  const kinds = Object.keys(MUTATIONS);
  const counts = await fuzz('safetensors', fuzzCases(4000), 5_000, (random) => {
    const fixture = random.pick(FIXTURES);
    const kind = random.pick(kinds);
    const bytes = MUTATIONS[kind]!(random, fixture);
    let file: SafetensorsFile;
    try {
      file = parseSafetensors(bytes, fixture.path);
    } catch (error) {
      // Damage confined to tensor values never makes a file of F32 tensors unreadable.
      if (kind === 'flip data bytes') throw new Error(`a data-only mutation was refused: ${String(error)}`);
      throw error;
    }
    checkConsistent(file, bytes);
    return `${kind}: ok`;
  });
  // The run exercised both outcomes (a fuzzer that only ever errors, or never does, is not fuzzing).
  expect([...counts.keys()].some((k) => k.endsWith(': ok'))).toBe(true);
  expect(counts.get('SafetensorsError')).toBeGreaterThan(0);
});
