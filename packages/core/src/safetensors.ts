/**
 * Reads and writes the safetensors format (https://huggingface.co/docs/safetensors):
 *
 *   [u64 little-endian N] [N bytes of UTF-8 JSON header] [data section]
 *
 * The header maps each tensor name to `{ dtype, shape, data_offsets: [begin, end] }`, offsets relative
 * to the start of the data section, plus an optional `"__metadata__": { string: string }`.
 * Validation follows the reference (Rust) reader, rule by rule:
 *
 * - the file has at least the 8 length bytes; the header length is at most 100,000,000 and fits the file;
 * - the header is valid UTF-8 and strict JSON (see `safetensors-header.ts`: starts with `{`, so no BOM;
 *   no duplicate keys; no float literals such as `2.0`, `1e1` or `-0` where integers belong);
 * - `__metadata__`, if present and not null, maps strings to strings;
 * - every other entry has a known `dtype`, a `shape` of non-negative integers whose product stays exact
 *   (the reference's overflow check), and `data_offsets` [begin, end] of non-negative integers with
 *   end − begin = elements × dtype size;
 * - sorted by offset, the tensors tile the data section exactly: no overlaps, gaps or trailing bytes.
 *
 * Unknown fields in an entry are ignored, as the reference does.
 */
import { SafetensorsError, ShapeMismatchError } from './errors.js';
import { sizeOf, type HostTensor } from './host.js';
import { recordFileRead } from './file-origin.js';
import { describeSource, readBytes, writeFileAtomic, type Source } from './io.js';
import { FloatLiteral, parseHeader } from './safetensors-header.js';

export type SafetensorsDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

export interface SafetensorsTensor {
  /** The dtype as stored. */
  readonly dtype: SafetensorsDType;
  readonly shape: readonly number[];
  /** Floats (F64/F32/F16/BF16) are decoded to float32; integers and bools to int32 (I64 checked for range). */
  readonly tensor: HostTensor;
}

export interface SafetensorsFile {
  readonly metadata: Record<string, string>;
  readonly tensors: Map<string, SafetensorsTensor>;
}

export { MAX_HEADER_BYTES } from './safetensors-header.js';

const METADATA_KEY = '__metadata__';

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** One tensor's raw bytes (a view into the file, not a copy) and what they are for error messages. */
interface RawTensor {
  readonly name: string;
  readonly where: string;
  readonly bytes: Uint8Array;
  readonly count: number;
}

interface DTypeCodec {
  /** Bytes per element. */
  readonly size: number;
  decode(raw: RawTensor): Float32Array | Int32Array;
}

const dataView = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** Decodes element by element through a DataView: any alignment, any host byte order. */
function perElement(
  size: number,
  output: typeof Float32Array | typeof Int32Array,
  read: (view: DataView, byteOffset: number, raw: RawTensor) => number,
): DTypeCodec {
  return {
    size,
    decode(raw) {
      const view = dataView(raw.bytes);
      const out = new output(raw.count);
      for (let i = 0; i < raw.count; i++) out[i] = read(view, size * i, raw);
      return out;
    },
  };
}

/**
 * F32 and I32 on a little-endian host: a 4-byte-aligned tensor is a view of the input bytes (no copy,
 * so a large checkpoint is not held twice); an unaligned one is copied to a fresh, aligned buffer.
 */
function inPlace(output: typeof Float32Array | typeof Int32Array, fallback: DTypeCodec): DTypeCodec {
  if (!LITTLE_ENDIAN) return fallback;
  return {
    size: 4,
    decode: ({ bytes, count }) =>
      bytes.byteOffset % 4 === 0
        ? new output(bytes.buffer as ArrayBuffer, bytes.byteOffset, count) // or a SharedArrayBuffer: both work
        : new output(bytes.slice().buffer),
  };
}

/** IEEE 754 binary16 bits → number. Exact: every half is a float32. */
function float16ToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24; // ±0 and subnormals
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

let halfTable: Float32Array | undefined;

/** I64 is decoded to int32; a value outside that range is an error rather than a silent wrap. */
function readInt64(view: DataView, byteOffset: number, { name, where }: RawTensor): number {
  const low = view.getUint32(byteOffset, true);
  const high = view.getInt32(byteOffset + 4, true);
  // In int32 range exactly when the high word is the sign extension of the low word.
  if (high !== (low >= 0x80000000 ? -1 : 0)) {
    throw new SafetensorsError(
      `${where}: I64 tensor "${name}" holds ${view.getBigInt64(byteOffset, true)} at element ${byteOffset / 8}, ` +
        'outside the int32 range it is decoded to',
    );
  }
  return low | 0;
}

const CODECS: Record<SafetensorsDType, DTypeCodec> = {
  F32: inPlace(Float32Array, perElement(4, Float32Array, (view, at) => view.getFloat32(at, true))),
  I32: inPlace(Int32Array, perElement(4, Int32Array, (view, at) => view.getInt32(at, true))),
  // Rounds to the nearest float32; magnitudes past float32's range become ±Infinity.
  F64: perElement(8, Float32Array, (view, at) => view.getFloat64(at, true)),
  F16: {
    size: 2,
    decode: ({ bytes, count }) => {
      // A 65,536-entry table (256 KiB, built once) turns the per-element conversion into a lookup.
      const table = (halfTable ??= Float32Array.from({ length: 0x10000 }, (_, bits) => float16ToNumber(bits)));
      const view = dataView(bytes);
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = table[view.getUint16(2 * i, true)]!;
      return out;
    },
  },
  BF16: {
    size: 2,
    // bfloat16 is the top half of a float32: shifting the bits up is the exact conversion.
    decode: ({ bytes, count }) => {
      const view = dataView(bytes);
      const out = new Float32Array(count);
      const outBits = new Uint32Array(out.buffer); // host order on both sides, so no endianness concern
      for (let i = 0; i < count; i++) outBits[i] = view.getUint16(2 * i, true) << 16;
      return out;
    },
  },
  I64: perElement(8, Int32Array, readInt64),
  I16: perElement(2, Int32Array, (view, at) => view.getInt16(at, true)),
  I8: perElement(1, Int32Array, (view, at) => view.getInt8(at)),
  U8: { size: 1, decode: ({ bytes }) => new Int32Array(bytes) },
  // Any nonzero byte is true, as numpy and PyTorch read it.
  BOOL: perElement(1, Int32Array, (view, at) => (view.getUint8(at) === 0 ? 0 : 1)),
};

const isDType = (value: string): value is SafetensorsDType => Object.hasOwn(CODECS, value);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isIndex = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

/** A header value in an error message, float literals as written (`2.0`, not 2). */
const show = (value: unknown): string =>
  Array.isArray(value) ? `[${value.map(show).join(', ')}]` : value instanceof FloatLiteral ? value.text : String(JSON.stringify(value));

/** Elements of `shape`, or undefined when the product leaves the exact integers (the reference's overflow check). */
function elementCount(shape: readonly number[]): number | undefined {
  let n = 1;
  for (const d of shape) if (!Number.isSafeInteger((n *= d))) return undefined;
  return n;
}

interface Entry {
  readonly name: string;
  readonly dtype: SafetensorsDType;
  readonly shape: number[];
  readonly begin: number;
  readonly end: number;
}

/** Checks one header entry on its own: fields present and well-typed, offsets inside the data section. */
function parseEntry(name: string, value: unknown, dataLength: number, where: string): Entry {
  const fail = (problem: string) => new SafetensorsError(`${where}: tensor "${name}" ${problem}`);
  if (!isObject(value)) throw fail('has a header entry that is not an object');
  const { dtype, shape, data_offsets: offsets } = value;
  if (dtype === undefined) throw fail('has no dtype');
  if (shape === undefined) throw fail('has no shape');
  if (offsets === undefined) throw fail('has no data_offsets');
  if (typeof dtype !== 'string') throw fail(`has a dtype that is not a string: ${JSON.stringify(dtype)}`);
  if (!isDType(dtype)) {
    throw fail(`has unsupported dtype "${dtype}" (supported: ${Object.keys(CODECS).join(', ')})`);
  }
  if (!Array.isArray(shape) || !shape.every(isIndex)) {
    throw fail(`has shape ${show(shape)}, expected an array of non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex)) {
    throw fail(`has data_offsets ${show(offsets)}, expected [begin, end] as non-negative integers`);
  }
  const count = elementCount(shape);
  if (count === undefined) throw fail(`has shape [${shape.join(', ')}], whose element count overflows`);
  const [begin, end] = offsets as [number, number];
  if (begin > end) throw fail(`has data_offsets [${begin}, ${end}] with begin > end`);
  if (end > dataLength) {
    throw fail(`has data_offsets [${begin}, ${end}] past the end of the data section (${dataLength} bytes)`);
  }
  const expected = count * CODECS[dtype].size;
  if (end - begin !== expected) {
    throw fail(
      `has ${end - begin} bytes of data, expected ${expected} for ${dtype} shape [${shape.join(', ')}]`,
    );
  }
  return { name, dtype, shape, begin, end };
}

/** The tensors must tile the data section: sorted by offset, each begins where the previous ended. */
function checkLayout(entries: readonly Entry[], dataLength: number, where: string): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let previous: Entry | undefined;
  for (const entry of sorted) {
    if (entry.begin < cursor) {
      throw new SafetensorsError(
        `${where}: tensors "${previous!.name}" [${previous!.begin}, ${previous!.end}) and ` +
          `"${entry.name}" [${entry.begin}, ${entry.end}) overlap`,
      );
    }
    if (entry.begin > cursor) {
      throw new SafetensorsError(
        `${where}: data bytes [${cursor}, ${entry.begin}) before tensor "${entry.name}" belong to no tensor (gap)`,
      );
    }
    cursor = entry.end;
    previous = entry;
  }
  if (cursor !== dataLength) {
    throw new SafetensorsError(
      `${where}: data section is ${dataLength} bytes but the tensors end at ${cursor} (${dataLength - cursor} trailing bytes)`,
    );
  }
}

function parseMetadata(value: unknown, where: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw new SafetensorsError(`${where}: ${METADATA_KEY} is not an object`);
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'string') {
      throw new SafetensorsError(`${where}: ${METADATA_KEY} value for "${key}" is not a string`);
    }
  }
  return { ...(value as Record<string, string>) };
}

/**
 * Parses a safetensors file held in memory. `source` names the file in error messages.
 *
 * F32 and I32 tensors at 4-byte-aligned offsets are views of `bytes` (no copy, so do not modify `bytes`
 * while they are in use); every other tensor is a fresh array. Throws `SafetensorsError` for any
 * malformed file, naming the file and tensor.
 */
export function parseSafetensors(bytes: Uint8Array, source?: string): SafetensorsFile {
  const where = source ?? describeSource(bytes);
  const { header, dataStart } = parseHeader(bytes, where);
  const dataLength = bytes.byteLength - dataStart;
  const metadata = parseMetadata(header[METADATA_KEY], where);
  const entries = Object.entries(header)
    .filter(([name]) => name !== METADATA_KEY)
    .map(([name, value]) => parseEntry(name, value, dataLength, where));
  checkLayout(entries, dataLength, where);

  const tensors = new Map<string, SafetensorsTensor>();
  for (const { name, dtype, shape, begin, end } of entries) {
    const raw = { name, where, bytes: bytes.subarray(dataStart + begin, dataStart + end), count: sizeOf(shape) };
    const data = CODECS[dtype].decode(raw);
    const tensor = { dtype: data instanceof Float32Array ? 'float32' : 'int32', shape, data } as HostTensor;
    tensors.set(name, { dtype, shape, tensor });
  }
  return { metadata, tensors };
}

/**
 * Reads a safetensors file from a path (Node), a URL (fetch) or bytes (used in place, as by `parseSafetensors`).
 * A local file's buffer is remembered (see `fileRegionOf`), so an engine can read its F32 tensors from disk.
 */
export async function readSafetensors(source: Source): Promise<SafetensorsFile> {
  const bytes = await readBytes(source);
  const file = parseSafetensors(bytes, describeSource(source));
  await recordFileRead(source, bytes);
  return file;
}

/** Orders by Unicode code point, i.e. UTF-8 byte order as Rust compares strings (JS `<` compares UTF-16 units). */
function compareNames(a: string, b: string): number {
  for (let i = 0; i < a.length && i < b.length; ) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    i += x > 0xffff ? 2 : 1;
  }
  return a.length - b.length;
}

const STORED_DTYPE = { float32: 'F32', int32: 'I32' } as const;

/** Little-endian bytes of a tensor's data (a view on little-endian hosts, where they already are). */
function littleEndianBytes(tensor: HostTensor): Uint8Array {
  const { data } = tensor;
  if (LITTLE_ENDIAN) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.byteLength);
  const view = dataView(out);
  for (let i = 0; i < data.length; i++) {
    if (tensor.dtype === 'float32') view.setFloat32(4 * i, data[i]!, true);
    else view.setInt32(4 * i, data[i]!, true);
  }
  return out;
}

/**
 * Serializes host tensors (float32 → F32, int32 → I32) the way the reference writer lays them out:
 * by dtype (F32 before I32) then by name, `__metadata__` first when given, header padded with spaces
 * to a multiple of 8 so the data section starts aligned.
 */
export function serializeSafetensors(
  tensors: Record<string, HostTensor> | Map<string, HostTensor>,
  metadata?: Record<string, string>,
): Uint8Array {
  const named = [...(tensors instanceof Map ? tensors : Object.entries(tensors))];
  for (const [name, tensor] of named) {
    if (name === METADATA_KEY) throw new SafetensorsError(`cannot write a tensor named "${METADATA_KEY}"`);
    if (!Object.hasOwn(STORED_DTYPE, tensor.dtype)) {
      throw new SafetensorsError(`cannot write tensor "${name}" of dtype ${String(tensor.dtype)}`);
    }
    if (tensor.data.length !== sizeOf(tensor.shape)) {
      throw new ShapeMismatchError(name, [tensor.data.length], tensor.shape);
    }
  }
  named.sort(([nameA, a], [nameB, b]) =>
    a.dtype === b.dtype ? compareNames(nameA, nameB) : a.dtype === 'float32' ? -1 : 1,
  );

  // Built by hand rather than with JSON.stringify(object): objects put integer-like keys first.
  const fields: string[] = [];
  if (metadata) {
    const pairs = Object.entries(metadata).map(([key, value]) => {
      if (typeof value !== 'string') {
        throw new SafetensorsError(`metadata value for "${key}" is not a string`);
      }
      return `${JSON.stringify(key)}:${JSON.stringify(value)}`;
    });
    fields.push(`${JSON.stringify(METADATA_KEY)}:{${pairs.join(',')}}`);
  }
  let offset = 0;
  for (const [name, tensor] of named) {
    const end = offset + tensor.data.byteLength;
    const info = { dtype: STORED_DTYPE[tensor.dtype], shape: tensor.shape, data_offsets: [offset, end] };
    fields.push(`${JSON.stringify(name)}:${JSON.stringify(info)}`);
    offset = end;
  }
  const json = new TextEncoder().encode(`{${fields.join(',')}}`);
  const headerLength = Math.ceil(json.byteLength / 8) * 8;

  const out = new Uint8Array(8 + headerLength + offset);
  dataView(out).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.byteLength, 8 + headerLength); // spaces
  let at = 8 + headerLength;
  for (const [, tensor] of named) {
    out.set(littleEndianBytes(tensor), at);
    at += tensor.data.byteLength;
  }
  return out;
}

/** Writes a safetensors file atomically (a temporary file, then a rename). Node only. */
export async function writeSafetensors(
  path: string,
  tensors: Record<string, HostTensor> | Map<string, HostTensor>,
  metadata?: Record<string, string>,
): Promise<void> {
  await writeFileAtomic(path, serializeSafetensors(tensors, metadata));
}
