/**
 * The ONNX messages this backend writes, as plain data, and their protobuf encoding.
 * Field numbers are those of onnx/onnx.proto (proto2).
 */
import { ProtoMessage } from './wire.js';

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, INT32: 6, INT64: 7, BOOL: 9 } as const;
export type DataTypeCode = (typeof DataType)[keyof typeof DataType];

/** AttributeProto.AttributeType values. */
const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

/** Where an initializer's bytes are in a file beside the model (TensorProto.external_data). */
export interface OnnxExternalData {
  /** Path relative to the folder ONNX Runtime resolves external data against. */
  readonly location: string;
  readonly offset: number;
  readonly length: number;
}

export type OnnxTensor = {
  readonly name: string;
  readonly dataType: DataTypeCode;
  readonly dims: readonly number[];
} & (
  | {
      /** Little-endian element bytes (TensorProto.raw_data). */
      readonly raw: Uint8Array;
      readonly external?: undefined;
    }
  | { readonly raw?: undefined; readonly external: OnnxExternalData }
);

export type OnnxAttribute =
  | { readonly type: 'int'; readonly value: number }
  | { readonly type: 'float'; readonly value: number }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'ints'; readonly value: readonly number[] }
  | { readonly type: 'floats'; readonly value: readonly number[] }
  | { readonly type: 'tensor'; readonly value: OnnxTensor };

export interface OnnxNode {
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly domain?: string;
  readonly attributes?: Readonly<Record<string, OnnxAttribute>>;
}

/** A graph input or output: element type and dims (a number is fixed, a string is a named dynamic dim). */
export interface OnnxValueInfo {
  readonly name: string;
  readonly dataType: DataTypeCode;
  readonly dims: readonly (number | string)[];
}

export interface OnnxGraph {
  readonly name: string;
  readonly nodes: readonly OnnxNode[];
  readonly initializers: readonly OnnxTensor[];
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
}

export interface OnnxModel {
  readonly irVersion: number;
  /** Domain ('' = ai.onnx) → opset version. */
  readonly opsets: Readonly<Record<string, number>>;
  readonly producerName: string;
  readonly producerVersion: string;
  readonly graph: OnnxGraph;
  readonly metadata?: Readonly<Record<string, string>>;
}

// ── encoders, one per message ─────────────────────────────────────────────

function tensorProto(t: OnnxTensor): ProtoMessage {
  const m = new ProtoMessage()
    .varints(1, t.dims) // dims
    .varint(2, t.dataType) // data_type
    .string(8, t.name); // name
  if (!t.external) return m.bytes(9, t.raw); // raw_data
  const { location, offset, length } = t.external;
  const entries = { location, offset: String(offset), length: String(length) };
  for (const [key, value] of Object.entries(entries)) m.message(13, new ProtoMessage().string(1, key).string(2, value)); // external_data
  return m.varint(14, 1); // data_location = EXTERNAL
}

function attributeProto(name: string, a: OnnxAttribute): ProtoMessage {
  const m = new ProtoMessage().string(1, name); // name
  switch (a.type) {
    case 'float':
      return m.varint(20, AttributeType.FLOAT).float(2, a.value);
    case 'int':
      return m.varint(20, AttributeType.INT).varint(3, a.value);
    case 'string':
      return m.varint(20, AttributeType.STRING).string(4, a.value);
    case 'tensor':
      return m.varint(20, AttributeType.TENSOR).message(5, tensorProto(a.value));
    case 'floats':
      a.value.forEach((v) => m.float(7, v));
      return m.varint(20, AttributeType.FLOATS);
    case 'ints':
      return m.varints(8, a.value).varint(20, AttributeType.INTS);
  }
}

function nodeProto(n: OnnxNode, index: number): ProtoMessage {
  const m = new ProtoMessage();
  for (const input of n.inputs) m.string(1, input);
  for (const output of n.outputs) m.string(2, output);
  m.string(3, `${n.opType}_${index}`).string(4, n.opType); // name, op_type
  for (const [name, a] of Object.entries(n.attributes ?? {})) m.message(5, attributeProto(name, a));
  if (n.domain) m.string(7, n.domain);
  return m;
}

function valueInfoProto(v: OnnxValueInfo): ProtoMessage {
  const shape = new ProtoMessage(); // TensorShapeProto
  for (const d of v.dims) {
    // Dimension: dim_value = 1, dim_param = 2
    shape.message(1, typeof d === 'number' ? new ProtoMessage().varint(1, d) : new ProtoMessage().string(2, d));
  }
  const tensorType = new ProtoMessage().varint(1, v.dataType).message(2, shape); // TypeProto.Tensor
  const type = new ProtoMessage().message(1, tensorType); // TypeProto.tensor_type
  return new ProtoMessage().string(1, v.name).message(2, type);
}

function graphProto(g: OnnxGraph): ProtoMessage {
  const m = new ProtoMessage();
  g.nodes.forEach((n, i) => m.message(1, nodeProto(n, i)));
  m.string(2, g.name);
  for (const t of g.initializers) m.message(5, tensorProto(t));
  for (const v of g.inputs) m.message(11, valueInfoProto(v));
  for (const v of g.outputs) m.message(12, valueInfoProto(v));
  return m;
}

/** Serialises a ModelProto. */
export function encodeModel(model: OnnxModel): Uint8Array {
  const m = new ProtoMessage()
    .varint(1, model.irVersion)
    .string(2, model.producerName)
    .string(3, model.producerVersion)
    .message(7, graphProto(model.graph));
  for (const [domain, version] of Object.entries(model.opsets)) {
    const opset = new ProtoMessage();
    if (domain) opset.string(1, domain);
    m.message(8, opset.varint(2, version));
  }
  for (const [key, value] of Object.entries(model.metadata ?? {})) {
    m.message(14, new ProtoMessage().string(1, key).string(2, value)); // StringStringEntryProto
  }
  return m.finish();
}
