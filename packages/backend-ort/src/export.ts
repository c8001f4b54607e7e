/**
 * Exporting a program as a standalone .onnx file that plain ONNX Runtime (or any ONNX consumer)
 * can load, laid out as Hugging Face Optimum lays out its exports.
 */
import { type ExportSpec, type Module, type Parameter, type Program, UnsupportedError } from '@attnjs/core';
import { writeFileAtomic } from '@attnjs/core/internal';
import { type InputSignature, type TraceOptions, traceProgram } from './trace.js';

/** input_ids and attention_mask, int64 [batch_size, sequence_length], as Optimum's causal-LM and encoder exports take them. */
export const TEXT_INPUT_SIGNATURE: InputSignature = {
  input_ids: { dtype: 'int32', shape: ['batch_size', 'sequence_length'] },
  attention_mask: { dtype: 'int32', shape: ['batch_size', 'sequence_length'] },
};

/** A model that declares its export graph (`PreTrainedModel.exportSpec()`), or such a declaration. */
export type Exportable = ExportSpec | { exportSpec(): ExportSpec };
const isProgram = (x: unknown): x is Program => typeof (x as Program)?.build === 'function';
const isSpec = (x: unknown): x is ExportSpec => isProgram((x as ExportSpec)?.program) && typeof (x as ExportSpec).inputs === 'object';

/** The checkpoint names of a module's parameters, when `x` is a module. */
const namesOf = (x: unknown): ReadonlyMap<string, Parameter> | undefined =>
  typeof (x as Module)?.namedParameters === 'function' ? (x as Module).namedParameters() : undefined;

/**
 * The trace an Exportable asks for: its program, signature and output dims, with initializers named
 * after the model's checkpoint keys unless `options` says otherwise.
 */
function traceExportable(source: Exportable, options: TraceOptions = {}): Uint8Array {
  const spec = isSpec(source) ? source : typeof source?.exportSpec === 'function' ? source.exportSpec() : undefined;
  if (!spec) throw new UnsupportedError('exportOnnx needs a program and its input signature, or a model with exportSpec()');
  return traceProgram(spec.program, spec.inputs, {
    ...options,
    parameterNames: options.parameterNames ?? namesOf(isSpec(source) ? spec.program.owner : source),
    outputDims: options.outputDims ?? spec.outputs,
  }).model;
}

/** Serialises a traced program (or a model's export graph) as an ONNX ModelProto. */
export function traceToOnnx(model: Exportable, options?: TraceOptions): Uint8Array;
export function traceToOnnx(program: Program, signature: InputSignature, options?: TraceOptions): Uint8Array;
export function traceToOnnx(source: Program | Exportable, a?: InputSignature | TraceOptions, b?: TraceOptions): Uint8Array {
  if (isProgram(source)) return traceProgram(source, (a ?? {}) as InputSignature, b).model;
  return traceExportable(source, a as TraceOptions | undefined);
}

/** Writes a model's export graph, or `program` traced on `signature`, as an .onnx file (Node; atomic). */
export async function exportOnnx(model: Exportable, path: string, options?: TraceOptions): Promise<void>;
export async function exportOnnx(program: Program, signature: InputSignature, path: string, options?: TraceOptions): Promise<void>;
export async function exportOnnx(
  source: Program | Exportable,
  a: InputSignature | string,
  b?: string | TraceOptions,
  c?: TraceOptions,
): Promise<void> {
  const [path, bytes] = typeof a === 'string'
    ? [a, traceToOnnx(source as Exportable, b as TraceOptions | undefined)]
    : [b as string, traceToOnnx(source as Program, a, c)];
  await writeFileAtomic(path, bytes);
}
