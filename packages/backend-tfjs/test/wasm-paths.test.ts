/**
 * The `wasmPaths` option: checked before anything starts, handed to tfjs-backend-wasm's setWasmPaths,
 * and read once per process (tfjs's rule), so a second, different value is an error rather than ignored.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { BackendError, hostTensor, UnsupportedError } from '@attnjs/core';
import { describe, expect, it } from 'vitest';
import { createTfjsBackend } from '../dist/index.js';

// The folder tfjs-backend-wasm ships its binaries in: what an app would serve, as a path prefix in Node.
const WASM_DIR = `${dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'))}/`;

describe('wasmPaths is checked before anything starts', () => {
  it.each([
    ['on another device', { device: 'cpu', wasmPaths: WASM_DIR }, /wasmPaths applies to device "wasm" only, not "cpu"/],
    ['a folder without its trailing slash', { device: 'wasm', wasmPaths: '/assets/tfjs-wasm' }, /"\/assets\/tfjs-wasm" must end with "\/"/],
    ['a map missing a binary', { device: 'wasm', wasmPaths: { 'tfjs-backend-wasm.wasm': '/a.wasm' } }, /missing or not a string: tfjs-backend-wasm-simd\.wasm/],
    ['a map with an unknown key', { device: 'wasm', wasmPaths: { ...map('/w/'), 'x.wasm': '/x.wasm' } }, /unknown: x\.wasm/],
    ['a number', { device: 'wasm', wasmPaths: 7 }, /wasmPaths must be a folder/],
    ['an unknown option', { device: 'wasm', wasmPath: '/w/' }, /createTfjsBackend does not support the option "wasmPath"/],
  ])('%s is an UnsupportedError', async (_, options, message) => {
    const attempt = createTfjsBackend(options as never);
    await expect(attempt).rejects.toBeInstanceOf(UnsupportedError);
    await expect(attempt).rejects.toThrow(message);
  });
});

function map(prefix: string) {
  return {
    'tfjs-backend-wasm.wasm': `${prefix}tfjs-backend-wasm.wasm`,
    'tfjs-backend-wasm-simd.wasm': `${prefix}tfjs-backend-wasm-simd.wasm`,
    'tfjs-backend-wasm-threaded-simd.wasm': `${prefix}tfjs-backend-wasm-threaded-simd.wasm`,
  };
}

describe('wasmPaths pointing at the binaries', () => {
  it('starts the wasm device from there and runs on it', async () => {
    const backend = await createTfjsBackend({ device: 'wasm', wasmPaths: map(WASM_DIR) });
    const program = { owner: {}, key: 'double', build: (ops: any, x: any) => ({ y: ops.add(x.x, x.x) }) };
    const { y } = await backend.run(program, { x: hostTensor(Float32Array.from([1.5, -2]), [2]) });
    expect([...y.data]).toEqual([3, -4]);
    await backend.dispose();
  });

  it('is read once: the same value again is fine, another one is a BackendError', async () => {
    const same = await createTfjsBackend({ device: 'wasm', wasmPaths: map(WASM_DIR) });
    await same.dispose();
    const plain = await createTfjsBackend({ device: 'wasm' }); // no wasmPaths: uses the running device
    await plain.dispose();
    const other = createTfjsBackend({ device: 'wasm', wasmPaths: '/elsewhere/' });
    await expect(other).rejects.toBeInstanceOf(BackendError);
    await expect(other).rejects.toThrow(/already started with wasmPaths .*"\/elsewhere\/" cannot take effect/);
  });
});
