import { BackendError, UnsupportedError } from '@attnjs/core';

/** The binaries tfjs-backend-wasm picks from (plain, SIMD, SIMD + threads), as `setWasmPaths` names them. */
export const WASM_BINARIES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'] as const;

/**
 * Where tfjs-backend-wasm's `.wasm` files are served: a folder (URL or path prefix ending in `/`), or one
 * location per binary. It is tfjs's `setWasmPaths` argument.
 */
export type WasmPaths = string | { readonly [binary in (typeof WASM_BINARIES)[number]]: string };

/** Checks the option's shape before anything starts; tfjs would only fail later, at fetch time. */
export function checkWasmPaths(paths: unknown): asserts paths is WasmPaths {
  if (typeof paths === 'string') {
    if (!paths.endsWith('/')) {
      throw new UnsupportedError(`wasmPaths "${paths}" must end with "/": it is the folder tfjs-backend-wasm*.wasm are fetched from`);
    }
    return;
  }
  if (paths === null || typeof paths !== 'object' || Array.isArray(paths)) {
    throw new UnsupportedError(`wasmPaths must be a folder ending in "/" or a map of ${WASM_BINARIES.join(', ')}, got ${String(paths)}`);
  }
  const keys = Object.keys(paths);
  const unknown = keys.filter((key) => !(WASM_BINARIES as readonly string[]).includes(key));
  const missing = WASM_BINARIES.filter((name) => typeof (paths as Record<string, unknown>)[name] !== 'string');
  if (unknown.length > 0 || missing.length > 0) {
    throw new UnsupportedError(
      `wasmPaths as a map needs a URL string for each of ${WASM_BINARIES.join(', ')}` +
        `${missing.length ? `; missing or not a string: ${missing.join(', ')}` : ''}${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}`,
    );
  }
}

export const describeWasmPaths = (paths: WasmPaths | undefined): string =>
  paths === undefined ? 'none (tfjs looks next to the page or script)' : JSON.stringify(paths);

/** What to do when the wasm device cannot start: usually the .wasm files are not where tfjs looks. */
export function wasmInitError(paths: WasmPaths | undefined, cause: unknown): BackendError {
  return new BackendError(
    `tfjs device "wasm" failed to initialise (wasmPaths: ${describeWasmPaths(paths)}). tfjs-backend-wasm fetches ` +
      `${WASM_BINARIES.join(', ')} at run time: pass wasmPaths pointing at the folder that serves them (copy them ` +
      "from @tensorflow/tfjs-backend-wasm/dist), e.g. createTfjsBackend({ device: 'wasm', wasmPaths: '/assets/tfjs-wasm/' })",
    { cause },
  );
}
