/**
 * Builds safetensors bytes by hand, independently of the writer under test, so the reader's tests can
 * feed it exactly the layout (and the damage) they want.
 */

/** Little-endian bytes of `values`, `width` bytes each, written by `write`. */
function pack<T>(width: number, values: readonly T[], write: (view: DataView, at: number, value: T) => void): Uint8Array {
  const out = new Uint8Array(width * values.length);
  const view = new DataView(out.buffer);
  values.forEach((value, i) => write(view, width * i, value));
  return out;
}

export const f32 = (...values: number[]) => pack(4, values, (v, at, x) => v.setFloat32(at, x, true));
export const f64 = (...values: number[]) => pack(8, values, (v, at, x) => v.setFloat64(at, x, true));
/** Raw 16-bit patterns (F16 / BF16). */
export const u16 = (...bits: number[]) => pack(2, bits, (v, at, x) => v.setUint16(at, x, true));
export const i16 = (...values: number[]) => pack(2, values, (v, at, x) => v.setInt16(at, x, true));
export const i32 = (...values: number[]) => pack(4, values, (v, at, x) => v.setInt32(at, x, true));
export const i64 = (...values: bigint[]) => pack(8, values, (v, at, x) => v.setBigInt64(at, x, true));
export const bytes8 = (...values: number[]) => pack(1, values, (v, at, x) => v.setUint8(at, x & 0xff));

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

/**
 * u64 header length, header, data. `header` is JSON-stringified unless it is already a string or bytes
 * (to write invalid JSON or UTF-8); `headerLength` overrides the length field (to write a lying one).
 */
export function assemble(header: unknown, data: Uint8Array = new Uint8Array(), headerLength?: bigint): Uint8Array {
  const text =
    header instanceof Uint8Array
      ? header
      : new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, headerLength ?? BigInt(text.byteLength), true);
  return concat(prefix, text, data);
}

/** A header entry. */
export const entry = (dtype: string, shape: number[], begin: number, end: number) => ({
  dtype,
  shape,
  data_offsets: [begin, end],
});
