/**
 * Closing a trace: name the outputs, drop what they do not depend on, and describe the graph's
 * inputs and outputs for the ModelProto.
 */
import type { DType } from '@attnjs/core';
import { TraceError } from '../errors.js';
import type { OnnxGraph, OnnxNode, OnnxValueInfo } from '../proto/onnx.js';
import { type GraphBuilder, onnxType, type SymbolicTensor } from './builder.js';
import { layOutWeights } from './layout.js';

export interface GraphOutputSpec {
  readonly name: string;
  readonly dtype: DType;
}

export interface FinishedGraph {
  readonly graph: OnnxGraph;
  readonly outputs: readonly GraphOutputSpec[];
}

/**
 * `outputs` is what `program.build` returned. `outputDims` may name dynamic output dims (an export's
 * `batch_size`); other dynamic dims get generated names.
 */
export function finishGraph(
  g: GraphBuilder,
  outputs: unknown,
  name: string,
  outputDims: Readonly<Record<string, readonly (number | string)[]>> = {},
  preTranspose = true,
): FinishedGraph {
  if (outputs === null || typeof outputs !== 'object') {
    throw new TraceError(`program.build must return an object of tensors, got ${outputs === null ? 'null' : typeof outputs}`);
  }
  const entries = Object.entries(outputs).map(([key, t]) => [key, g.own(t, `output "${key}"`)] as const);
  if (entries.length === 0) throw new TraceError('program.build returned no outputs');

  // Give each output its own name: rename the value in place where a node produced it, else copy it.
  const producedBy = new Map<string, OnnxNode>();
  for (const node of g.nodes) for (const out of node.outputs) producedBy.set(out, node);
  const renames = new Map<string, string>();
  const copies: OnnxNode[] = [];
  for (const [key, t] of entries) {
    if (g.hasName(key)) {
      throw new TraceError(`output name "${key}" is already the name of an input or another value in the graph`);
    }
    if (producedBy.has(t.name) && !renames.has(t.name)) renames.set(t.name, key);
    else copies.push({ opType: 'Identity', inputs: [t.name], outputs: [key] });
  }
  const rename = (v: string) => renames.get(v) ?? v;
  const nodes: OnnxNode[] = g.nodes.map((n) => ({ ...n, inputs: n.inputs.map(rename), outputs: n.outputs.map(rename) }));
  for (const c of copies) nodes.push({ ...c, inputs: c.inputs.map(rename) });

  const { kept, needed } = prune(nodes, entries.map(([key]) => key));
  const initializers = [...g.initializers.values()].filter((t) => needed.has(t.name));
  const laidOut = preTranspose ? layOutWeights(kept, initializers, new Set(entries.map(([key]) => key))) : { nodes: kept, initializers };
  const dimsOf = (key: string, t: SymbolicTensor) =>
    outputDims[key] ?? t.shape.map((d, i) => d ?? `${key}_dim${i}`);
  const outputInfo: OnnxValueInfo[] = entries.map(([key, t]) => ({ name: key, dataType: onnxType(t.dtype), dims: dimsOf(key, t) }));
  return {
    graph: {
      name,
      nodes: laidOut.nodes,
      initializers: laidOut.initializers,
      inputs: g.inputs.map((i) => ({ name: i.name, dataType: onnxType(i.dtype), dims: i.dims })),
      outputs: outputInfo,
    },
    outputs: entries.map(([key, t]) => ({ name: key, dtype: t.dtype })),
  };
}

/** Keeps only the nodes the outputs depend on (layer code may compute values it never returns). */
function prune(nodes: readonly OnnxNode[], outputs: readonly string[]): { kept: OnnxNode[]; needed: Set<string> } {
  const needed = new Set(outputs);
  const kept: OnnxNode[] = [];
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i]!;
    if (!node.outputs.some((o) => needed.has(o))) continue;
    kept.push(node);
    for (const input of node.inputs) if (input) needed.add(input);
  }
  return { kept: kept.reverse(), needed };
}
