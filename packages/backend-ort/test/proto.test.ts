/**
 * The protobuf writer against hand-encoded bytes (protobuf encoding spec), and hand-built ModelProtos
 * that both ONNX Runtimes must load and compute correctly.
 */
import * as ortWeb from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { DataType, encodeModel, type OnnxModel } from '../src/proto/onnx.js';
import { ProtoMessage } from '../src/proto/wire.js';
import { ortNode } from './helpers.js';

const bytes = (m: ProtoMessage) => [...m.finish()];

describe('protobuf wire format', () => {
  it('varints: one byte below 128, little-endian groups of 7 bits above', () => {
    expect(bytes(new ProtoMessage().varint(1, 1))).toEqual([0x08, 0x01]);
    expect(bytes(new ProtoMessage().varint(1, 150))).toEqual([0x08, 0x96, 0x01]); // the spec's own example
    expect(bytes(new ProtoMessage().varint(2, 300))).toEqual([0x10, 0xac, 0x02]);
    expect(bytes(new ProtoMessage().varint(1, 2 ** 40))).toEqual([0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20]);
  });

  it('negative int64 is a ten-byte two’s-complement varint', () => {
    expect(bytes(new ProtoMessage().varint(3, -1))).toEqual([0x18, ...Array(9).fill(0xff), 0x01]);
    expect(bytes(new ProtoMessage().varint(3, -2n))).toEqual([0x18, 0xfe, ...Array(8).fill(0xff), 0x01]);
  });

  it('field numbers above 15 take a two-byte key', () => {
    expect(bytes(new ProtoMessage().varint(20, 2))).toEqual([0xa0, 0x01, 0x02]); // AttributeProto.type = INT
  });

  it('float is fixed32 little-endian, strings and nested messages are length-delimited', () => {
    expect(bytes(new ProtoMessage().float(2, 1))).toEqual([0x15, 0x00, 0x00, 0x80, 0x3f]);
    expect(bytes(new ProtoMessage().string(1, 'Gelu'))).toEqual([0x0a, 4, 0x47, 0x65, 0x6c, 0x75]);
    const inner = new ProtoMessage().varint(1, 7);
    const outer = new ProtoMessage().message(5, inner).string(8, 'é');
    expect(bytes(outer)).toEqual([0x2a, 2, 0x08, 0x07, 0x42, 2, 0xc3, 0xa9]);
    expect(outer.size).toBe(8);
  });

  it('rejects a non-integer varint', () => {
    expect(() => new ProtoMessage().varint(1, 1.5)).toThrow(RangeError);
  });
});

/** y = Gemm(x, W, b; alpha 2, transB) · 2 and its argmax, for x [batch, 3] with a dynamic batch. */
function handBuiltModel(): OnnxModel {
  const w = new Float32Array([1, 2, 3, 4, 5, 6]); // [2, 3]: y = x·Wᵀ
  const b = new Float32Array([0.5, -0.5]);
  const two = new BigInt64Array([2n]);
  return {
    irVersion: 9,
    opsets: { '': 20 },
    producerName: 'test',
    producerVersion: '0',
    graph: {
      name: 'hand-built',
      nodes: [
        { opType: 'Gemm', inputs: ['x', 'W', 'b'], outputs: ['g'], attributes: { transB: { type: 'int', value: 1 }, alpha: { type: 'float', value: 2 } } },
        { opType: 'Cast', inputs: ['two'], outputs: ['two_f'], attributes: { to: { type: 'int', value: DataType.FLOAT } } },
        { opType: 'Mul', inputs: ['g', 'two_f'], outputs: ['y'] },
        { opType: 'ArgMax', inputs: ['y'], outputs: ['best'], attributes: { axis: { type: 'int', value: -1 }, keepdims: { type: 'int', value: 0 } } },
      ],
      initializers: [
        { name: 'W', dataType: DataType.FLOAT, dims: [2, 3], raw: new Uint8Array(w.buffer) },
        { name: 'b', dataType: DataType.FLOAT, dims: [2], raw: new Uint8Array(b.buffer) },
        { name: 'two', dataType: DataType.INT64, dims: [], raw: new Uint8Array(two.buffer) },
      ],
      inputs: [{ name: 'x', dataType: DataType.FLOAT, dims: ['batch', 3] }],
      outputs: [
        { name: 'y', dataType: DataType.FLOAT, dims: ['batch', 2] },
        { name: 'best', dataType: DataType.INT64, dims: ['batch'] },
      ],
    },
    metadata: { source: 'proto.test.ts' },
  };
}

describe.each([
  { name: 'onnxruntime-web', ort: ortWeb },
  { name: 'onnxruntime-node', ort: ortNode },
])('a hand-built ModelProto on $name', ({ ort }) => {
  it('loads, keeps names and dim_params, and computes', async () => {
    const session = await ort.InferenceSession.create(encodeModel(handBuiltModel()));
    expect(session.inputNames).toEqual(['x']);
    expect(session.outputNames).toEqual(['y', 'best']);
    const input = session.inputMetadata[0]!;
    expect(input.isTensor && input.shape).toEqual(['batch', 3]);
    const x = new ort.Tensor('float32', new Float32Array([1, 0, 0, 0, 1, -1]), [2, 3]);
    const out = await session.run({ x });
    // Gemm = alpha·x·Wᵀ + b. Row 0: (2·[1, 4] + b)·2 = [5, 15]; row 1: (2·[2 − 3, 5 − 6] + b)·2 = [−3, −5].
    expect([...(out.y!.data as Float32Array)]).toEqual([5, 15, -3, -5]);
    expect([...(out.best!.data as BigInt64Array)]).toEqual([1n, 0n]);
    await session.release();
  });
});
