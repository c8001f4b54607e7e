/**
 * onnxruntime-node reading weights straight from model.safetensors (ONNX external data): taken for an F32
 * checkpoint loaded from a file, with outputs identical to embedded weights; not taken (embedded instead)
 * for weights from bytes, weights edited after loading, or a file changed on disk; `hostWeights: 'release'`
 * drops host arrays with a typed error on access; and the options' typed errors.
 */
import { cp, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createOrtBackend, type OrtBackendOptions, type OrtModule } from '@attnjs/backend-ort';
import { BackendError, HostWeightsReleasedError, UnsupportedError } from '@attnjs/core';
import { GPT2LMHeadModel } from '@attnjs/gpt';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureDir } from './reference.js';

const FIXTURE = fixtureDir('gpt2-tiny');
const FILE_BYTES = 675_400; // gpt2-tiny's model.safetensors, all F32
const PROMPT = [[5, 17, 3, 42, 8, 99]];

interface Created {
  readonly modelBytes: number;
  readonly folder?: string;
}

/** onnxruntime-node, recording each session's model size and external-data folder. */
function spiedOrt(created: Created[]): OrtModule {
  const node = ortNode as unknown as OrtModule;
  const create = (model: Uint8Array, options: { extra?: { session?: Record<string, string> } }) => {
    created.push({ modelBytes: model.byteLength, folder: options.extra?.session?.model_external_initializers_file_folder_path });
    return (node.InferenceSession.create as (...args: unknown[]) => unknown)(model, options);
  };
  return { ...node, InferenceSession: { ...node.InferenceSession, create } as unknown as OrtModule['InferenceSession'] };
}

async function logitsOf(dir: string, options: OrtBackendOptions, edit?: (m: GPT2LMHeadModel) => unknown) {
  const created: Created[] = [];
  const backend = await createOrtBackend({ ort: spiedOrt(created), ...options });
  try {
    const model = await GPT2LMHeadModel.fromPretrained(dir, { backend });
    await edit?.(model);
    const { logits } = await model.forward({ inputIds: PROMPT });
    model.dispose();
    return { logits: logits.data, created };
  } finally {
    await backend.dispose();
  }
}

describe('ort-node weights from model.safetensors', () => {
  let embedded: Float32Array;
  beforeAll(async () => {
    ({ logits: embedded } = await logitsOf(FIXTURE, { weightsFromFile: false }));
  });

  it('embeds every weight with weightsFromFile: false (the reference for the tests below)', async () => {
    const { created } = await logitsOf(FIXTURE, { weightsFromFile: false });
    expect(created.length).toBe(1);
    expect(created[0]!.modelBytes).toBeGreaterThan(FILE_BYTES * 0.9);
    expect(created[0]!.folder).toBeUndefined();
  });

  it('reads an F32 checkpoint file as external data by default, with identical logits', async () => {
    const { logits, created } = await logitsOf(FIXTURE, {});
    expect(created.length).toBe(1);
    expect(created[0]!.folder).toBe(path.resolve(FIXTURE));
    expect(created[0]!.modelBytes).toBeLessThan(FILE_BYTES * 0.1);
    expect(logits).toEqual(embedded);
  });

  it('embeds weights whose arrays are not views of a file (assigned after loading)', async () => {
    const copyAll = (m: GPT2LMHeadModel) => {
      for (const p of m.parameters()) p.value = { ...p.value, data: p.value.data.slice() };
    };
    const { logits, created } = await logitsOf(FIXTURE, {}, copyAll);
    expect(created[0]!.folder).toBeUndefined();
    expect(created[0]!.modelBytes).toBeGreaterThan(FILE_BYTES * 0.9);
    expect(logits).toEqual(embedded);
  });

  it('embeds a weight edited in place after loading, so the edit is what runs', async () => {
    const edit = (m: GPT2LMHeadModel) => m.namedParameters().get('transformer.ln_f.bias')!.value.data.fill(0.5);
    const want = await logitsOf(FIXTURE, { weightsFromFile: false }, edit);
    const got = await logitsOf(FIXTURE, {}, edit);
    expect(want.logits).not.toEqual(embedded);
    expect(got.logits).toEqual(want.logits);
    expect(got.created[0]!.folder).toBe(path.resolve(FIXTURE)); // the other weights still come from the file
  });

  describe('with a copy of the checkpoint', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'attn-file-weights-'));
      await cp(FIXTURE, dir, { recursive: true });
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    /** Overwrites the file's last 4 bytes (part of some weight) with `value`'s bytes. */
    async function overwriteTail(value: number) {
      const file = await open(path.join(dir, 'model.safetensors'), 'r+');
      const { size } = await file.stat();
      await file.write(new Uint8Array(new Float32Array([value]).buffer), 0, 4, size - 4);
      await file.close();
    }

    it('embeds the host values when the file changed on disk after loading', async () => {
      const got = await logitsOf(dir, {}, () => overwriteTail(1234.5));
      expect(got.created[0]!.modelBytes).toBeGreaterThan(FILE_BYTES * 0.9);
      expect(got.logits).toEqual(embedded);
    });

    it("hostWeights: 'release' drops host arrays (typed error), keeps running, and refuses a changed file", async () => {
      await cp(path.join(FIXTURE, 'model.safetensors'), path.join(dir, 'model.safetensors'));
      const backend = await createOrtBackend({ ort: ortNode as unknown as OrtModule, hostWeights: 'release' });
      const model = await GPT2LMHeadModel.fromPretrained(dir, { backend });
      try {
        const wpe = model.namedParameters().get('transformer.wpe.weight')!;
        expect(wpe.value.data.length).toBeGreaterThan(0); // kept until a session holds it
        const first = await model.forward({ inputIds: PROMPT });
        expect(first.logits.data).toEqual(embedded);
        expect(wpe.hasHostValue).toBe(false);
        expect(() => wpe.value).toThrow(HostWeightsReleasedError);
        expect(() => wpe.value).toThrow(/"transformer\.wpe\.weight".*model\.safetensors.*hostWeights: 'keep'/);
        // Later sessions read the released weights from the file.
        backend.release(model, model.parameters());
        expect((await model.forward({ inputIds: PROMPT })).logits.data).toEqual(embedded);
        const [tokens] = await model.generate(PROMPT, { maxNewTokens: 3 });
        expect(tokens!.length).toBe(PROMPT[0]!.length + 3);
        // A new value makes the host copy readable again.
        wpe.value = { dtype: 'float32', shape: [...wpe.shape], data: new Float32Array(wpe.shape[0]! * wpe.shape[1]!) };
        expect(wpe.value.data[0]).toBe(0);
        // Once the file changes, a released weight has nothing to fall back on.
        await overwriteTail(1234.5);
        backend.release(model, model.parameters());
        await expect(model.forward({ inputIds: PROMPT })).rejects.toThrow(BackendError);
        await expect(model.forward({ inputIds: PROMPT })).rejects.toThrow(/has changed since it was loaded.*load the model again/);
      } finally {
        model.dispose();
        await backend.dispose();
      }
    });
  });

  it('refuses options it cannot honour with UnsupportedError', async () => {
    const node = ortNode as unknown as OrtModule;
    const web = ortWeb as unknown as OrtModule;
    await expect(createOrtBackend({ ort: web, weightsFromFile: true })).rejects.toThrow(UnsupportedError);
    await expect(createOrtBackend({ ort: web, hostWeights: 'release' })).rejects.toThrow(/hostWeights "release" needs weightsFromFile/);
    await expect(createOrtBackend({ ort: node, weightsFromFile: false, hostWeights: 'release' })).rejects.toThrow(UnsupportedError);
    await expect(createOrtBackend({ ort: node, hostWeights: 'drop' as 'keep' })).rejects.toThrow(/hostWeights "drop" is not one of keep, release/);
    await expect(createOrtBackend({ ort: node, weightsFromFile: 'yes' as unknown as boolean })).rejects.toThrow(/weightsFromFile must be true or false/);
  });
});
