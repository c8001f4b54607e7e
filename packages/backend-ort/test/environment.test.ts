/**
 * What createOrtBackend checks about its environment before any session exists: that onnxruntime-web
 * (an optional peer) is installed when no `ort` is given, and that WebGPU has an adapter.
 */
import { BackendError } from '@attnjs/core';
import * as ortWeb from 'onnxruntime-web';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createOrtBackend, type OrtModule } from '../src/index.js';
import { importOrtWeb, requireWebgpuAdapter } from '../src/options.js';

const web = ortWeb as unknown as OrtModule;

describe('without onnxruntime-web installed', () => {
  it('says to install it or to pass onnxruntime-node', async () => {
    const missing = Object.assign(new Error("Cannot find package 'onnxruntime-web'"), { code: 'ERR_MODULE_NOT_FOUND' });
    const attempt = importOrtWeb(() => Promise.reject(missing));
    await expect(attempt).rejects.toBeInstanceOf(BackendError);
    await expect(attempt).rejects.toThrow("install onnxruntime-web or pass { ort: await import('onnxruntime-node') }");
    await expect(attempt).rejects.toMatchObject({ cause: missing });
  });

  it('uses the onnxruntime-web the app resolves when it is there', async () => {
    expect(await importOrtWeb()).toBe((await import('onnxruntime-web')) as unknown);
  });
});

describe('WebGPU', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('without an adapter is refused at creation, naming the problem', async () => {
    vi.stubGlobal('navigator', { gpu: { requestAdapter: async () => null } });
    const attempt = createOrtBackend({ ort: web, executionProviders: ['webgpu'] });
    await expect(attempt).rejects.toBeInstanceOf(BackendError);
    await expect(attempt).rejects.toThrow(/no usable adapter.*requestAdapter\(\) returned null/);
  });

  it('whose adapter request fails is a BackendError with the cause', async () => {
    const failure = new Error('GPU process crashed');
    const attempt = requireWebgpuAdapter(web, { requestAdapter: () => Promise.reject(failure) });
    await expect(attempt).rejects.toBeInstanceOf(BackendError);
    await expect(attempt).rejects.toMatchObject({ cause: failure });
  });

  it('without navigator.gpu is a BackendError', async () => {
    await expect(requireWebgpuAdapter(web, undefined)).rejects.toThrow(/no navigator\.gpu/);
  });

  it('with an adapter passes, asking with the preference set on onnxruntime-web', async () => {
    const asked: unknown[] = [];
    const env = { webgpu: { powerPreference: 'low-power' } };
    const gpu = { requestAdapter: async (options?: unknown) => (asked.push(options), {}) };
    await expect(requireWebgpuAdapter({ ...web, env } as unknown as OrtModule, gpu)).resolves.toBeUndefined();
    expect(asked).toEqual([{ powerPreference: 'low-power' }]);
  });
});
