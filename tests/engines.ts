/**
 * The engines the conformance suites run on. Every suite iterates `ENGINES` and so is written once.
 * Each factory creates a fresh backend; suites dispose what they create.
 */
import type { Backend } from '@attnjs/core';
import { createOrtBackend } from '@attnjs/backend-ort';
import { createTfjsBackend } from '@attnjs/backend-tfjs';

export interface EngineSpec {
  readonly name: 'tfjs-cpu' | 'tfjs-wasm' | 'ort-web' | 'ort-node';
  create(): Promise<Backend>;
}

export const ENGINES: readonly EngineSpec[] = [
  // Filled in as the backends land:
  { name: 'tfjs-cpu', create: () => createTfjsBackend({ device: 'cpu' }) },
  { name: 'tfjs-wasm', create: () => createTfjsBackend({ device: 'wasm' }) },
  { name: 'ort-web', create: () => createOrtBackend() },
  { name: 'ort-node', create: async () => createOrtBackend({ ort: await import('onnxruntime-node') }) },
];

/** Repo-relative test data (copied from the shared fixtures; a user's clone has no ../shared). */
export const TESTDATA = new URL('../testdata/', import.meta.url);
