/**
 * The engines the conformance suites run on. Every suite iterates `ENGINES` and so is written once.
 * Each factory creates a fresh backend; suites dispose what they create.
 */
import type { Backend } from '@attnjs/core';
import { createOrtBackend } from '@attnjs/backend-ort';
import { createTfjsBackend } from '@attnjs/backend-tfjs';

type EngineName = 'tfjs-cpu' | 'tfjs-wasm' | 'ort-web' | 'ort-node';

export interface EngineSpec {
  readonly name: EngineName | `${EngineName} (decomposed)`;
  create(): Promise<Backend>;
}

/** Each engine, created with its fused kernels on (as users run it) or off. */
const FACTORIES: readonly [EngineName, (fusedKernels: boolean) => Promise<Backend>][] = [
  ['tfjs-cpu', (fusedKernels) => createTfjsBackend({ device: 'cpu', fusedKernels })],
  ['tfjs-wasm', (fusedKernels) => createTfjsBackend({ device: 'wasm', fusedKernels })],
  ['ort-web', (fusedKernels) => createOrtBackend({ fusedKernels })],
  ['ort-node', async (fusedKernels) => createOrtBackend({ ort: await import('onnxruntime-node'), fusedKernels })],
];

/**
 * Every engine twice: with its fused linear, layerNorm and gelu kernels, and with them switched off so
 * that core's decompositions in ops.ts run (the path of an engine without those kernels, e.g. tanh GELU
 * on ORT WebGPU) and are checked against the same references.
 */
export const ENGINES: readonly EngineSpec[] = [
  ...FACTORIES.map(([name, create]) => ({ name, create: () => create(true) })),
  ...FACTORIES.map(([name, create]) => ({ name: `${name} (decomposed)` as const, create: () => create(false) })),
];

/** Repo-relative test data (copied from the shared fixtures; a user's clone has no ../shared). */
export const TESTDATA = new URL('../testdata/', import.meta.url);

/**
 * The engines as users run them (fused kernels on). Suites whose subject is not the layer math (decoding,
 * task heads, leaks) run on these: the decomposed variants add no coverage there, only time.
 */
export const USER_ENGINES: readonly EngineSpec[] = ENGINES.filter((e) => !e.name.endsWith('(decomposed)'));
