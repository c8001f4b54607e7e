/**
 * A minimal protobuf writer: just the wire types ONNX needs (varint, fixed32, length-delimited).
 *
 * Messages are built bottom-up and keep their children and byte payloads by reference; sizes are
 * known as soon as a field is added, so `finish` allocates the output once and copies each payload
 * once. That matters for ModelProtos whose initializers hold hundreds of megabytes of weights.
 */

const enum WireType {
  Varint = 0,
  LengthDelimited = 2,
  Fixed32 = 5,
}

type Part =
  | { readonly kind: 'varint'; readonly key: number; readonly value: bigint | number }
  | { readonly kind: 'fixed32'; readonly key: number; readonly value: number }
  | { readonly kind: 'bytes'; readonly key: number; readonly value: Uint8Array }
  | { readonly kind: 'message'; readonly key: number; readonly value: ProtoMessage };

const textEncoder = new TextEncoder();
const UINT64_WRAP = 1n << 64n;

function varintSize(value: bigint | number): number {
  if (typeof value === 'number' && value >= 0 && value < 2 ** 31) {
    let size = 1;
    while (value >= 0x80) {
      value = Math.floor(value / 128);
      size++;
    }
    return size;
  }
  let v = BigInt(value);
  if (v < 0n) v += UINT64_WRAP; // int64 negatives are ten-byte two's complement varints
  let size = 1;
  while (v >= 0x80n) {
    v >>= 7n;
    size++;
  }
  return size;
}

function writeVarint(buf: Uint8Array, offset: number, value: bigint | number): number {
  if (typeof value === 'number' && value >= 0 && value < 2 ** 31) {
    while (value >= 0x80) {
      buf[offset++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    buf[offset++] = value;
    return offset;
  }
  let v = BigInt(value);
  if (v < 0n) v += UINT64_WRAP;
  while (v >= 0x80n) {
    buf[offset++] = Number(v & 0x7fn) | 0x80;
    v >>= 7n;
  }
  buf[offset++] = Number(v);
  return offset;
}

const keyOf = (field: number, wire: WireType) => (field << 3) | wire;

export class ProtoMessage {
  private readonly parts: Part[] = [];
  /** Encoded size in bytes. */
  size = 0;

  /** int32/int64/enum/bool field. Skipped values are the caller's business (proto2: absent ≠ 0). */
  varint(field: number, value: bigint | number): this {
    if (typeof value === 'number' && !Number.isSafeInteger(value)) {
      throw new RangeError(`protobuf field ${field}: ${value} is not an integer`);
    }
    const key = keyOf(field, WireType.Varint);
    this.parts.push({ kind: 'varint', key, value });
    this.size += varintSize(key) + varintSize(value);
    return this;
  }

  /** A repeated varint field, unpacked (proto2's default for fields not marked packed). */
  varints(field: number, values: Iterable<bigint | number>): this {
    for (const v of values) this.varint(field, v);
    return this;
  }

  float(field: number, value: number): this {
    const key = keyOf(field, WireType.Fixed32);
    this.parts.push({ kind: 'fixed32', key, value });
    this.size += varintSize(key) + 4;
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    const key = keyOf(field, WireType.LengthDelimited);
    this.parts.push({ kind: 'bytes', key, value });
    this.size += varintSize(key) + varintSize(value.byteLength) + value.byteLength;
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, textEncoder.encode(value));
  }

  message(field: number, value: ProtoMessage): this {
    const key = keyOf(field, WireType.LengthDelimited);
    this.parts.push({ kind: 'message', key, value });
    this.size += varintSize(key) + varintSize(value.size) + value.size;
    return this;
  }

  finish(): Uint8Array {
    const buf = new Uint8Array(this.size);
    const end = this.writeTo(buf, new DataView(buf.buffer), 0);
    if (end !== this.size) throw new Error(`internal: protobuf size ${this.size} but wrote ${end} bytes`);
    return buf;
  }

  private writeTo(buf: Uint8Array, view: DataView, offset: number): number {
    for (const part of this.parts) {
      offset = writeVarint(buf, offset, part.key);
      switch (part.kind) {
        case 'varint':
          offset = writeVarint(buf, offset, part.value);
          break;
        case 'fixed32':
          view.setFloat32(offset, part.value, true);
          offset += 4;
          break;
        case 'bytes':
          offset = writeVarint(buf, offset, part.value.byteLength);
          buf.set(part.value, offset);
          offset += part.value.byteLength;
          break;
        case 'message':
          offset = writeVarint(buf, offset, part.value.size);
          offset = part.value.writeTo(buf, view, offset);
          break;
      }
    }
    return offset;
  }
}
