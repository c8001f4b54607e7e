/**
 * The KV cache on every engine: cached and uncached greedy decoding give the reference tokens; a cached
 * step's logits match a full forward's last position (so the causal-mask offset and the position ids are
 * right at model level); beam reordering gathers cache rows in the engine; and nothing is left behind.
 */
import type { Backend, HostTensor } from '@attnjs/core';
import { AbortError, hostTensor } from '@attnjs/core';
import { GPT2LMHeadModel } from '@attnjs/gpt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USER_ENGINES as ENGINES } from './engines.js';
import { TOLERANCE, expectClose, fixtureDir, readReference } from './reference.js';

const MODELS = ['gpt2-tiny', 'gpt2-tiny-sharp', 'gpt2-hf-fake'] as const;
const ones = (rows: number, n: number) => hostTensor(new Int32Array(rows * n).fill(1), [rows, n]);
const ids = (rows: number[][]) => hostTensor(Int32Array.from(rows.flat()), [rows.length, rows[0]!.length]);
const row = (t: HostTensor, r: number) => Array.from(t.data.subarray(r * t.shape[1]!, (r + 1) * t.shape[1]!));

describe.each(ENGINES)('KV cache on $name', (engine) => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await engine.create();
  });
  afterAll(async () => {
    await backend.dispose();
  });

  describe.each(MODELS)('%s', (name) => {
    const ref = readReference(name);
    const cases = [ref.generation].flat();
    let model: GPT2LMHeadModel;
    beforeAll(async () => {
      model = await GPT2LMHeadModel.fromPretrained(fixtureDir(name), { backend });
    });
    afterAll(() => model.dispose());

    it('cached and uncached greedy tokens equal the reference generation', async () => {
      for (const c of cases) {
        for (const useCache of [true, false]) {
          const [out] = await model.generate(c.prompt, { maxNewTokens: c.max_new_tokens, useCache });
          expect(out!.slice(c.prompt.length), `useCache: ${useCache}`).toEqual(c.new_tokens);
        }
      }
      expect(backend.memory().states).toBe(0);
    });

    it("a cached step's logits equal a full forward's last position, left padding included", async () => {
      const c = cases[0];
      const prompt: number[] = c.prompt;
      const full: number[] = c.full_sequence ?? [...prompt, ...c.new_tokens];
      // Row 0 is the prompt; row 1 the same prompt shortened by two tokens and left-padded.
      const padded = [0, 0, ...prompt.slice(2)];
      const session = model.startSession(2, { useCache: true });
      try {
        await session.step(ids([prompt, padded]), hostTensor(Int32Array.from([...prompt.map(() => 1), 0, 0, ...prompt.slice(2).map(() => 1)]), [2, prompt.length]));
        for (let step = 0; step < 3; step++) {
          const n = prompt.length + step + 1;
          const token = full[prompt.length + step]!;
          const mask = hostTensor(Int32Array.from([...Array(n).fill(1), 0, 0, ...Array(n - 2).fill(1)]), [2, n]);
          const logits = await session.step(ids([[token], [token]]), mask);
          const alone = await model.forward({ inputIds: [full.slice(0, n)] });
          const aloneShort = await model.forward({ inputIds: [full.slice(2, n)] });
          const V = model.config.vocabSize;
          const lastOf = (t: HostTensor, T: number) => Array.from(t.data.subarray((T - 1) * V, T * V));
          expectClose(row(logits, 0), lastOf(alone.logits!, n), TOLERANCE.sharp, `step ${step} row 0`);
          expectClose(row(logits, 1), lastOf(aloneShort.logits!, n - 2), TOLERANCE.sharp, `step ${step} row 1 (left-padded)`);
        }
      } finally {
        session.dispose();
      }
      expect(backend.memory().states).toBe(0);
    });

    it('reorder gathers cache rows inside the engine', async () => {
      const c = cases[0];
      const a: number[] = c.prompt;
      const b = [...a].reverse();
      const session = model.startSession(2, { useCache: true });
      const reference = model.startSession(2, { useCache: true });
      try {
        await session.step(ids([a, b]), ones(2, a.length));
        await reference.step(ids([b, b]), ones(2, a.length));
        await session.reorder(Int32Array.from([1, 1]));
        const got = await session.step(ids([[7], [9]]), ones(2, a.length + 1));
        const want = await reference.step(ids([[7], [9]]), ones(2, a.length + 1));
        expectClose(got.data, want.data, 1e-6, 'reordered logits');
      } finally {
        session.dispose();
        reference.dispose();
      }
    });
  });

  it('one compiled graph (one copy of the weights) serves forward, forward with labels and decoding', async () => {
    const model = await GPT2LMHeadModel.fromPretrained(fixtureDir('gpt2-tiny'), { backend });
    const before = backend.memory().sessions ?? 0;
    const ids = [[56, 616, 662, 395, 559]];
    await model.forward({ inputIds: ids });
    await model.forward({ inputIds: ids, labels: ids, attentionMask: [[1, 1, 1, 1, 1]] });
    await model.forward({ inputIds: ids, outputHiddenStates: true });
    await model.generate(ids, { maxNewTokens: 3 });
    await model.generate(ids, { maxNewTokens: 3, useCache: false });
    // Eager engines compile nothing; graph engines hold exactly one session for this model.
    const sessions = backend.memory().sessions;
    if (sessions !== undefined) expect(sessions - before).toBe(1);
    model.dispose();
    if (sessions !== undefined) expect(backend.memory().sessions).toBe(before);
  });

  it('1,000 generate calls, some aborted and some throwing, leave the engine as they found it', async () => {
    const model = await GPT2LMHeadModel.fromPretrained(fixtureDir('gpt2-tiny'), { backend });
    await model.generate([[1, 2, 3]], { maxNewTokens: 2 }); // compile and upload once
    const before = backend.memory();
    const outcomes = { done: 0, aborted: 0, threw: 0 };
    for (let i = 0; i < 1000; i++) {
      const controller = new AbortController();
      const streamer = {
        put: () => {
          if (i % 3 === 1) controller.abort(new Error('enough'));
          if (i % 3 === 2) throw new Error('a streamer that throws');
        },
      };
      const prompts = i % 2 ? [[1, 2, 3], [4, 5]] : [[6, 7, 8, 9]];
      try {
        await model.generate(prompts, { maxNewTokens: 3, streamer, signal: controller.signal, useCache: i % 4 !== 3 });
        outcomes.done++;
      } catch (error) {
        if (error instanceof AbortError) outcomes.aborted++;
        else if ((error as Error).message === 'a streamer that throws') outcomes.threw++;
        else throw error;
      }
    }
    expect(outcomes).toEqual({ done: 334, aborted: 333, threw: 333 });
    expect(backend.memory()).toEqual(before);
    model.dispose();
  });

  it('a decode step moves the same bytes whatever the context length', async () => {
    const model = await GPT2LMHeadModel.fromPretrained(fixtureDir('gpt2-tiny'), { backend });
    const moved: number[] = [];
    const counting: Backend = {
      ...backend,
      name: backend.name,
      createState: () => backend.createState(),
      memory: () => backend.memory(),
      release: (o, p) => backend.release(o, p),
      dispose: () => backend.dispose(),
      run: async (program, inputs, options) => {
        const out = await backend.run(program, inputs, options);
        let bytes = 0;
        for (const t of [...Object.values(inputs), ...Object.values(out)] as HostTensor[]) bytes += t.data.byteLength;
        moved.push(bytes);
        return out;
      },
    };
    Object.defineProperty(model, 'backendRef', { value: counting, configurable: true, writable: true });
    const session = model.startSession(1, { useCache: true });
    try {
      await session.step(ids([[1, 2, 3, 4]]), ones(1, 4));
      for (let n = 5; n < 40; n++) await session.step(ids([[n]]), ones(1, n));
    } finally {
      session.dispose();
      Object.defineProperty(model, 'backendRef', { value: backend });
      model.dispose();
    }
    const steps = moved.slice(1);
    expect(new Set(steps).size, `bytes per step: ${steps.join(', ')}`).toBe(1);
    // In: the id, its mask column, its position, an ignored label, the logits index; out: one row of logits.
    expect(steps[0]).toBe(5 * 4 + 1000 * 4);
  });
});

describe('the cache grows inside ONNX Runtime (ort-node)', () => {
  it('a decode step gets back only its own keys and values from the session, whatever the context length', async () => {
    const real = await import('onnxruntime-node');
    const fetched: number[] = [];
    // The real module, with sessions whose runs record the bytes ONNX Runtime hands back to JavaScript.
    const create = async (...args: Parameters<typeof real.InferenceSession.create>) => {
      const session = await real.InferenceSession.create(...args);
      const run = session.run.bind(session) as (...a: unknown[]) => Promise<Record<string, { data: { byteLength: number } }>>;
      return Object.assign(session, {
        run: async (...a: unknown[]) => {
          const out = await run(...a);
          fetched.push(Object.values(out).reduce((n, t) => n + t.data.byteLength, 0));
          return out;
        },
      });
    };
    const ort = { ...real, InferenceSession: { ...real.InferenceSession, create } } as unknown as typeof real;
    const { createOrtBackend } = await import('@attnjs/backend-ort');
    const backend = await createOrtBackend({ ort });
    const model = await GPT2LMHeadModel.fromPretrained(fixtureDir('gpt2-tiny'), { backend });
    const { nLayer, nEmbd } = model.config;
    const session = model.startSession(1, { useCache: true });
    try {
      await session.step(ids([[1, 2, 3, 4]]), ones(1, 4));
      for (let n = 5; n < 60; n++) await session.step(ids([[n]]), ones(1, n));
    } finally {
      session.dispose();
      model.dispose();
      await backend.dispose();
    }
    const steps = fetched.slice(1);
    expect(new Set(steps).size, `bytes out of ONNX Runtime per step: ${steps.join(', ')}`).toBe(1);
    // One row of logits, one new key and value per layer (heads × head size = nEmbd floats), one mask column (int64).
    expect(steps[0]).toBe(1000 * 4 + 2 * nLayer * nEmbd * 4 + 8);
  });
});
