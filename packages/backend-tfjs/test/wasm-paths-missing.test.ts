/**
 * A wasm device whose binaries are not where wasmPaths says: the error says what to do. In its own file
 * because tfjs-backend-wasm cannot be started again in a process after a failed start.
 */
import { BackendError } from '@attnjs/core';
import { expect, it } from 'vitest';
import { createTfjsBackend } from '../dist/index.js';

it('a wasmPaths folder without the binaries fails at creation, naming the option and the files', async () => {
  const folder = `${new URL('./no-wasm-here/', import.meta.url).pathname}`;
  const attempt = createTfjsBackend({ device: 'wasm', wasmPaths: folder });
  await expect(attempt).rejects.toBeInstanceOf(BackendError);
  await expect(attempt).rejects.toThrow(`tfjs device "wasm" failed to initialise (wasmPaths: ${JSON.stringify(folder)})`);
  await expect(attempt).rejects.toThrow(/pass wasmPaths pointing at the folder that serves them/);
  // tfjs will not take other paths after that in this process; that too is said, not ignored.
  await expect(createTfjsBackend({ device: 'wasm', wasmPaths: '/other/' })).rejects.toThrow(/could not take wasmPaths/);
});
