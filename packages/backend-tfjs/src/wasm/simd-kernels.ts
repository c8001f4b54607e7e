import { KERNELS_WASM_BASE64 } from './kernels-bytes.js';

/**
 * The kernels of wasm/kernels.wat, run inside tfjs-backend-wasm's own memory: arguments are byte
 * offsets of tensors' data in that memory (a tensor's heap view's `byteOffset`) and element counts.
 */
export interface SimdKernels {
  adamw(
    p: number, g: number, m: number, v: number, outP: number, outM: number, outV: number, n: number,
    scale: number, decay: number, size: number, correction: number, b1: number, c1: number, b2: number, c2: number, eps: number,
  ): void;
  /** out [cols] = Σ over rows of x [rows, cols], row after row, float32. */
  sum_rows(x: number, out: number, rows: number, cols: number): void;
  /** out [A, C, B, D] = x [A, B, C, D] with the middle axes swapped; 4-byte elements. */
  swap_axes(x: number, out: number, A: number, B: number, C: number, D: number): void;
  /** out [A, C, R] = x [A, R, C] transposed matrix by matrix; 4-byte elements. */
  transpose_blocks(x: number, out: number, A: number, R: number, C: number): void;
  /** Σ x² over n float32 elements, accumulated in float64. */
  sum_squares(x: number, n: number): number;
  /** out = dy·((x·(s·(1 − s)))·(x²·c1 + c2) + s) over n float32 elements (the tanh-form GELU's gradient). */
  gelu_tanh_grad(x: number, s: number, dy: number, out: number, n: number, c1: number, c2: number): void;
  /**
   * out [batch, m, n] = A·B per matrix, B [batch, k, n] with n a multiple of 16, A's element (i, t) of matrix
   * p at element p·m·k + i·rs + t·cs (a stored [m, k]: rs = k, cs = 1; stored [k, m] and transposed: 1, m).
   */
  batched_matmul(a: number, b: number, out: number, batch: number, m: number, k: number, n: number, rs: number, cs: number): void;
}

interface EmscriptenModule {
  asm?: { memory?: unknown };
  wasmExports?: { memory?: unknown };
}

const instances = new WeakMap<WebAssembly.Memory, SimdKernels | null>();

/**
 * The kernels bound to a tfjs-backend-wasm module's memory, or undefined where they cannot run there: a
 * threaded build's shared memory (the module imports a plain one) or an engine without WebAssembly SIMD.
 * The module is ~0.5 kB, small enough to compile synchronously on a browser's main thread.
 */
export function simdKernels(module: EmscriptenModule): SimdKernels | undefined {
  const memory = module.asm?.memory ?? module.wasmExports?.memory;
  if (!(memory instanceof WebAssembly.Memory)) return undefined;
  let kernels = instances.get(memory);
  if (kernels === undefined) {
    kernels = instantiate(memory);
    instances.set(memory, kernels);
  }
  return kernels ?? undefined;
}

function instantiate(memory: WebAssembly.Memory): SimdKernels | null {
  if (typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer) return null;
  const bytes = Uint8Array.from(atob(KERNELS_WASM_BASE64), (c) => c.charCodeAt(0));
  if (!WebAssembly.validate(bytes)) return null;
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { tfjs: { memory } });
  return instance.exports as unknown as SimdKernels;
}
