export { createOrtBackend } from './backend.js';
export type { GraphOptimizationLevel, OrtBackendOptions, OrtModule } from './options.js';
export type { HostWeights } from './file-weights.js';
export { type Exportable, exportOnnx, TEXT_INPUT_SIGNATURE, traceToOnnx } from './export.js';
export { type InputSignature, type InputSpec, IR_VERSION, OPSET, type TraceOptions } from './trace.js';
export { TraceError } from './errors.js';
