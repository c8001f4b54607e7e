/**
 * The graph being traced: nodes appended in call order, initializers for parameters and constants,
 * and the symbolic tensors layer code holds in place of real ones.
 */
import type { DType, HostTensor, Parameter, Tensor } from '@attnjs/core';
import { TraceError } from '../errors.js';
import { DataType, type DataTypeCode, type OnnxAttribute, type OnnxExternalData, type OnnxNode, type OnnxTensor } from '../proto/onnx.js';
import type { Shape } from './shapes.js';

/**
 * A value in the graph. `dtype` is the contract's: `int32` tensors are INT64 inside the graph, which
 * is what ONNX index ops (Gather, ArgMax, Range, Shape) take and produce.
 */
export class SymbolicTensor implements Tensor {
  constructor(
    readonly graph: GraphBuilder,
    readonly name: string,
    readonly dtype: DType,
    readonly shape: Shape,
  ) {}
}

export const onnxType = (dtype: DType): DataTypeCode => (dtype === 'float32' ? DataType.FLOAT : DataType.INT64);

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

export interface NodeSpec {
  readonly inputs: readonly (SymbolicTensor | string)[];
  readonly dtype: DType;
  readonly shape: Shape;
  readonly attributes?: Record<string, OnnxAttribute>;
}

interface GraphInput {
  readonly name: string;
  readonly dtype: DType;
  readonly dims: readonly (number | string)[];
}

export class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers = new Map<string, OnnxTensor>();
  readonly inputs: GraphInput[] = [];
  /** Names of values already in the graph, so generated names never collide with the caller's. */
  private readonly used = new Set<string>();
  private readonly params = new Map<Parameter, SymbolicTensor>();
  /** Parameters whose initializer points into a file (external data) instead of holding their bytes. */
  readonly externalParams = new Set<Parameter>();
  private readonly smallConstants = new Map<string, SymbolicTensor>();
  private counter = 0;

  /**
   * `parameterNames` names initializers after the checkpoint's keys (readable exports); optional.
   * `externalWeights` says where a parameter's bytes are in a file ONNX Runtime can read, or undefined to
   * embed them; the parameter's host value is not read when it gives a place.
   */
  constructor(
    private readonly parameterNames: ReadonlyMap<Parameter, string> = new Map(),
    private readonly externalWeights: (p: Parameter) => OnnxExternalData | undefined = () => undefined,
  ) {}

  fresh(prefix: string): string {
    let name: string;
    // A colon keeps generated names apart from the caller's input and output names in practice.
    do name = `${prefix}:${this.counter++}`;
    while (this.used.has(name));
    this.used.add(name);
    return name;
  }

  /** Every parameter traced so far. */
  get parameters(): Parameter[] {
    return [...this.params.keys()];
  }

  hasName(name: string): boolean {
    return this.used.has(name);
  }

  input(name: string, dtype: DType, dims: readonly (number | string)[]): SymbolicTensor {
    if (this.used.has(name)) throw new TraceError(`graph input name "${name}" is used twice`);
    this.used.add(name);
    this.inputs.push({ name, dtype, dims });
    return new SymbolicTensor(this, name, dtype, dims.map((d) => (typeof d === 'number' ? d : null)));
  }

  /** Checks that `t` is a value of this graph (not another engine's tensor or another trace's). */
  own(t: Tensor, op: string): SymbolicTensor {
    if (!(t instanceof SymbolicTensor) || t.graph !== this) {
      throw new TraceError(`${op}: got a tensor that does not belong to this ONNX trace`);
    }
    return t;
  }

  /** Appends one node with one output and returns that output. */
  node(opType: string, spec: NodeSpec): SymbolicTensor {
    const output = this.fresh(opType);
    this.nodes.push({
      opType,
      inputs: spec.inputs.map((i) => (typeof i === 'string' ? i : i.name)),
      outputs: [output],
      attributes: spec.attributes,
    });
    return new SymbolicTensor(this, output, spec.dtype, spec.shape);
  }

  // ── initializers ──────────────────────────────────────────────────────────

  private initializer(name: string, dataType: DataTypeCode, dims: readonly number[], raw: Uint8Array): void {
    this.initializers.set(name, { name, dataType, dims, raw });
  }

  /** A parameter's initializer, once per Parameter object (so a tied weight appears once). */
  param(p: Parameter): SymbolicTensor {
    const cached = this.params.get(p);
    if (cached) return cached;
    const name = this.uniqueName(this.parameterNames.get(p) ?? `param.${this.params.size}`);
    const external = this.externalWeights(p);
    const shape = external ? p.shape : p.value.shape;
    if (external) {
      this.initializers.set(name, { name, dataType: DataType.FLOAT, dims: shape, external });
      this.externalParams.add(p);
    } else {
      this.initializer(name, DataType.FLOAT, shape, bytesOf(p.value.data));
    }
    const t = new SymbolicTensor(this, name, 'float32', [...shape]);
    this.params.set(p, t);
    return t;
  }

  /** A constant from the host; int32 data is widened to INT64. Small constants are shared. */
  constant(value: HostTensor): SymbolicTensor {
    const small = value.data.length <= 16;
    const key = small ? `${value.dtype}[${value.shape.join(',')}]:${Array.from(value.data).join(',')}` : '';
    const cached = small ? this.smallConstants.get(key) : undefined;
    if (cached) return cached;
    const name = this.fresh('const');
    const raw = value.dtype === 'float32' ? bytesOf(Float32Array.from(value.data)) : bytesOf(BigInt64Array.from(value.data, (v) => BigInt(v)));
    this.initializer(name, onnxType(value.dtype), value.shape, raw);
    const t = new SymbolicTensor(this, name, value.dtype, [...value.shape]);
    if (small) this.smallConstants.set(key, t);
    return t;
  }

  /** An INT64 constant (shapes, axes, indices), 1-D unless `scalar`. */
  int64(values: readonly number[], scalar = false): SymbolicTensor {
    const dims = scalar ? [] : [values.length];
    if (values.every((v) => Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31)) {
      return this.constant({ dtype: 'int32', shape: dims, data: Int32Array.from(values) });
    }
    // Values outside int32 (INT64_MAX = "to the end" for Slice) skip the int32 host form.
    const name = this.fresh('const');
    this.initializer(name, DataType.INT64, dims, bytesOf(BigInt64Array.from(values, (v) => BigInt(v))));
    return new SymbolicTensor(this, name, 'int32', dims);
  }

  private uniqueName(name: string): string {
    if (!this.used.has(name)) {
      this.used.add(name);
      return name;
    }
    return this.fresh(name);
  }
}

