// Shared helpers the other attn.js packages need are in internal.ts (`@attnjs/core/internal`), not here.
export * from './errors.js';
export { type DType, type HostTensor, type TypedArrayFor, hostTensor, sizeOf } from './host.js';
export type * from './kernels.js';
export type { Backend, BoundProgram, ExportSpec, Program, TensorSpec } from './backend.js';
export { Ops, MASK_VALUE } from './ops.js';
export { Module, ModuleList, Parameter } from './module.js';
export * from './layers/index.js';
export * from './losses.js';
export * from './safetensors.js';
export type { Source } from './io.js';
export * from './checkpoint.js';
export * from './config.js';
export type { IdsLike } from './inputs.js';
export * from './pretrained.js';
