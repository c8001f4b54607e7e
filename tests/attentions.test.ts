/**
 * `outputAttentions` (HF's `output_attentions`) on every GPT-2 and BERT model and engine: the laws
 * attention probabilities obey (rows sum to 1, padded keys get 0, causal rows see no future), agreement
 * with an independent float64 re-computation from the checkpoint's q/k/v weights and the layer's input
 * (the references' float64 hidden states where the fixtures have them), and the last layer's attentions
 * times its values reproducing the layer's output. The fixtures hold no reference attentions, so those
 * re-computations are the references.
 */
import {
  BertForMaskedLM,
  BertForMultipleChoice,
  BertForNextSentencePrediction,
  BertForPreTraining,
  BertForQuestionAnswering,
  BertForSequenceClassification,
  BertForTokenClassification,
  BertLMHeadModel,
  BertModel,
} from '@attnjs/bert';
import { type Backend, type HostTensor, InputError, type Kernels, Ops, UnsupportedError } from '@attnjs/core';
import { GPT2ForSequenceClassification, GPT2ForTokenClassification, GPT2LMHeadModel, GPT2Model } from '@attnjs/gpt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EPS, HEADS, LAYERS, expectProbabilityLaws, expectReproduced, weightsOf } from './attention-checks.js';
import { type Architecture, blockOutput, readBlocks, trimmedProbabilities } from './attention-reference.js';
import { ENGINES, type EngineSpec, USER_ENGINES } from './engines.js';
import { TOLERANCE, expectClose, fixtureDir, readReference, rows } from './reference.js';


/** A fresh backend of `engine` for one describe block, disposed after it. */
function openBackend(engine: EngineSpec): () => Backend {
  let backend: Backend | undefined;
  beforeAll(async () => {
    backend = await engine.create();
  });
  afterAll(async () => {
    await backend?.dispose();
  });
  return () => backend!;
}

/** What every engine returned, compared across engines at the end. */
const seen = new Map<string, Record<string, HostTensor[]>>();

describe.each(ENGINES)('$name', (engine) => {
  const engineBackend = openBackend(engine);

  // The sharp checkpoints (weights N(0, 0.1)) attend far from uniformly, so wrong probabilities show more.
  it.each(['gpt2-tiny', 'gpt2-tiny-sharp'])('GPT-2 %s: causal, padded, and reproduces the float64 reference block', async (name) => {
    const dir = fixtureDir(name);
    const tolerance = name.endsWith('sharp') ? TOLERANCE.sharp : TOLERANCE.normal;
    const model = await GPT2LMHeadModel.fromPretrained(dir, { backend: engineBackend() });
    const c = readReference(name).cases[0]; // batch2_right_padded
    const out = await model.forward({ inputIds: c.input_ids, attentionMask: c.attention_mask, outputAttentions: true, outputHiddenStates: true });
    expect(out.attentions).toHaveLength(LAYERS);
    out.attentions!.forEach((a, l) => expectProbabilityLaws(a, c.attention_mask, true, `attentions[${l}]`));
    const ref = c.float64.hidden_states as number[][][][]; // [L+1][B][len_b][d]
    await expectReproduced('gpt2', dir, out.attentions!, (l, b) => ref[l]![b]!, (b) => ref[LAYERS]![b]!, c.lengths, name, tolerance);
    if (name.endsWith('sharp')) {
      // The rebuild can fail: uniform attention over the visible keys gives a block output 1e-3 or more
      // away. (gpt2-tiny's N(0, 0.02) weights attend almost uniformly, within 5e-5, hence the sharp model.)
      const block = await readBlocks(weightsOf(dir), 'gpt2');
      const x = ref[1]![1]!;
      const uniform = Array.from({ length: HEADS }, () => x.map((_, i) => x.map((__, j) => (j <= i ? 1 / (i + 1) : 0))));
      const wrong = blockOutput('gpt2', block(1), x, uniform, EPS.gpt2).flat();
      const right = blockOutput('gpt2', block(1), x, trimmedProbabilities(out.attentions![1]!, 1, c.lengths[1]), EPS.gpt2).flat();
      expect(Math.max(...wrong.map((v, i) => Math.abs(v - right[i]!)))).toBeGreaterThan(1e-3);
    }
    expect((await model.forward({ inputIds: c.input_ids })).attentions, 'not asked for').toBeUndefined();
    seen.set(engine.name, { ...seen.get(engine.name), [name]: out.attentions! });
    model.dispose();
  });

  it.each(['bert-tiny', 'bert-tiny-sharp'])('BERT %s: padded keys get 0, and reproduces the float64 reference layer', async (name) => {
    const dir = fixtureDir(name);
    const tolerance = name.endsWith('sharp') ? TOLERANCE.sharp : TOLERANCE.normal;
    const model = await BertForPreTraining.fromPretrained(dir, { backend: engineBackend() });
    const c = readReference(name).cases[0]; // pair_batch2_right_padded
    const out = await model.forward({
      inputIds: c.input_ids,
      attentionMask: c.attention_mask,
      tokenTypeIds: c.token_type_ids,
      outputAttentions: true,
      outputHiddenStates: true,
    });
    expect(out.attentions).toHaveLength(LAYERS);
    out.attentions!.forEach((a, l) => expectProbabilityLaws(a, c.attention_mask, false, `attentions[${l}]`));
    const ref = c.float64.hidden_states as number[][][][];
    await expectReproduced('bert', dir, out.attentions!, (l, b) => ref[l]![b]!, (b) => c.float64.sequence_output[b], c.lengths, name, tolerance);
    seen.set(engine.name, { ...seen.get(engine.name), [name]: out.attentions! });
    model.dispose();
  });
});

describe('engines agree', () => {
  it('every engine (fused and decomposed kernels) gives the same attentions within 1e-5', () => {
    const [first, ...others] = [...seen.entries()];
    expect(seen.size).toBe(ENGINES.length);
    for (const [name, got] of others) {
      for (const model of Object.keys(first![1])) {
        got[model]!.forEach((a, l) => {
          const want = first![1][model]![l]!;
          const worst = Array.from(a.data).reduce((m, v, i) => Math.max(m, Math.abs(v - want.data[i]!)), 0);
          expect(worst, `${model} attentions[${l}]: ${name} vs ${first![0]}`).toBeLessThanOrEqual(1e-5);
        });
      }
    }
  });
});

const GPT2_IDS = { inputIds: [[5, 6, 7, 8, 9], [10, 11, 12, 999, 999]], attentionMask: [[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]] };
const BERT_IDS = { inputIds: [[101, 200, 300, 400, 102], [101, 500, 102, 0, 0]], attentionMask: [[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]] };
const CHOICE_IDS = {
  inputIds: [[[101, 200, 102, 300, 102], [101, 400, 102, 0, 0]]],
  attentionMask: [[[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]]],
};

type AnyModel = { forward(i: object): Promise<{ attentions?: HostTensor[]; hiddenStates?: HostTensor[] }>; dispose(): void };
type Loader = (dir: string, o: { backend: Backend }) => Promise<AnyModel>;

/** Every model class, its checkpoint, architecture and inputs (multiple choice: flat rows, as HF returns them). */
const MODELS: readonly [string, Loader, string, Architecture, object, number[][]][] = [
  ['GPT2Model', (d, o) => GPT2Model.fromPretrained(d, o), 'gpt2-tiny', 'gpt2', GPT2_IDS, GPT2_IDS.attentionMask],
  ['GPT2ForSequenceClassification', (d, o) => GPT2ForSequenceClassification.fromPretrained(d, o), 'heads/gpt2-seqcls', 'gpt2', GPT2_IDS, GPT2_IDS.attentionMask],
  ['GPT2ForTokenClassification', (d, o) => GPT2ForTokenClassification.fromPretrained(d, o), 'heads/gpt2-tokencls', 'gpt2', GPT2_IDS, GPT2_IDS.attentionMask],
  ['BertModel', (d, o) => BertModel.fromPretrained(d, o), 'bert-tiny', 'bert', BERT_IDS, BERT_IDS.attentionMask],
  ['BertForMaskedLM', (d, o) => BertForMaskedLM.fromPretrained(d, o), 'bert-tiny', 'bert', BERT_IDS, BERT_IDS.attentionMask],
  ['BertLMHeadModel', (d, o) => BertLMHeadModel.fromPretrained(d, o), 'bert-tiny', 'bert', BERT_IDS, BERT_IDS.attentionMask],
  ['BertForSequenceClassification', (d, o) => BertForSequenceClassification.fromPretrained(d, o), 'heads/bert-seqcls', 'bert', BERT_IDS, BERT_IDS.attentionMask],
  ['BertForTokenClassification', (d, o) => BertForTokenClassification.fromPretrained(d, o), 'heads/bert-tokencls', 'bert', BERT_IDS, BERT_IDS.attentionMask],
  ['BertForQuestionAnswering', (d, o) => BertForQuestionAnswering.fromPretrained(d, o), 'heads/bert-qa', 'bert', BERT_IDS, BERT_IDS.attentionMask],
  ['BertForNextSentencePrediction', (d, o) => BertForNextSentencePrediction.fromPretrained(d, o), 'heads/bert-nsp', 'bert', BERT_IDS, BERT_IDS.attentionMask],
  ['BertForMultipleChoice', (d, o) => BertForMultipleChoice.fromPretrained(d, o), 'heads/bert-multiple-choice', 'bert', CHOICE_IDS, CHOICE_IDS.attentionMask.flat()],
];

describe.each(USER_ENGINES)('every model on $name', (engine) => {
  const engineBackend = openBackend(engine);

  it.each(MODELS)('%s: attentions and hidden states, checked against float64 from its own layer inputs', async (_, load, fixture, architecture, inputs, mask) => {
    const dir = fixtureDir(fixture);
    const model = await load(dir, { backend: engineBackend() });
    const out = await model.forward({ ...inputs, outputAttentions: true, outputHiddenStates: true });
    expect(out.attentions).toHaveLength(LAYERS);
    expect(out.hiddenStates).toHaveLength(LAYERS + 1);
    out.attentions!.forEach((a, l) => expectProbabilityLaws(a, mask, architecture === 'gpt2', `attentions[${l}]`));
    const lengths = mask.map((row) => row.filter((m) => m === 1).length);
    const states = out.hiddenStates!;
    await expectReproduced(architecture, dir, out.attentions!, (l, b) => rows(states[l]!, b, lengths[b]!), (b) => rows(states[LAYERS]!, b, lengths[b]!), lengths, fixture);
    model.dispose();
  });
});

describe.each(USER_ENGINES)('graph caching and memory on $name', (engine) => {
  const engineBackend = openBackend(engine);

  it('GPT-2 LM: one graph for forward and decoding, one more only once attentions are asked for; nothing leaks', async () => {
    const start = engineBackend().memory();
    const model = await GPT2LMHeadModel.fromPretrained(fixtureDir('gpt2-tiny'), { backend: engineBackend() });
    await model.forward(GPT2_IDS);
    await model.forward({ ...GPT2_IDS, outputHiddenStates: true });
    await model.generate([[5, 6, 7]], { maxNewTokens: 3 });
    const plain = engineBackend().memory();
    if (start.sessions !== undefined) expect(plain.sessions! - start.sessions, 'sessions without attentions').toBe(1);
    await model.forward({ ...GPT2_IDS, outputAttentions: true });
    const afterFirst = engineBackend().memory();
    if (start.sessions !== undefined) expect(afterFirst.sessions! - start.sessions, 'sessions with attentions').toBe(2);
    for (let i = 0; i < 3; i++) await model.forward({ ...GPT2_IDS, outputAttentions: true, outputHiddenStates: true });
    await model.generate([[5, 6, 7]], { maxNewTokens: 3 });
    await model.forward(GPT2_IDS);
    expect(engineBackend().memory(), 'tensors (tfjs) and sessions (ORT) after more calls').toEqual(afterFirst);
    model.dispose();
    expect(engineBackend().memory()).toEqual(start);
  });

  it('BERT: attentions are one more program, compiled once; nothing leaks', async () => {
    const start = engineBackend().memory();
    const model = await BertModel.fromPretrained(fixtureDir('bert-tiny'), { backend: engineBackend() });
    await model.forward(BERT_IDS);
    await model.forward({ ...BERT_IDS, outputAttentions: true });
    const afterFirst = engineBackend().memory();
    for (let i = 0; i < 3; i++) await model.forward({ ...BERT_IDS, outputAttentions: true });
    await model.forward(BERT_IDS);
    expect(engineBackend().memory()).toEqual(afterFirst);
    if (start.sessions !== undefined) expect(afterFirst.sessions! - start.sessions).toBe(2);
    model.dispose();
    expect(engineBackend().memory()).toEqual(start);
  });
});

describe('typed errors (tfjs-cpu)', () => {
  const engineBackend = openBackend(USER_ENGINES[0]!);

  const EVERY_MODEL: readonly [string, Loader, string, object][] = [
    ...MODELS.map(([name, load, fixture, , inputs]) => [name, load, fixture, inputs] as [string, Loader, string, object]),
    ['GPT2LMHeadModel', (d, o) => GPT2LMHeadModel.fromPretrained(d, o), 'gpt2-tiny', GPT2_IDS],
    ['BertForPreTraining', (d, o) => BertForPreTraining.fromPretrained(d, o), 'bert-tiny', BERT_IDS],
  ];

  it.each(EVERY_MODEL)('%s: a non-boolean outputAttentions or outputHiddenStates is an InputError naming it', async (_, load, fixture, inputs) => {
    const model = await load(fixtureDir(fixture), { backend: engineBackend() });
    const call = async (extra: object) => model.forward({ ...inputs, ...extra });
    await expect(call({ outputAttentions: 'yes' })).rejects.toThrow(InputError);
    await expect(call({ outputAttentions: 'yes' })).rejects.toThrow(/outputAttentions must be true or false, got "yes"/);
    await expect(call({ outputHiddenStates: 1 })).rejects.toThrow(/outputHiddenStates must be true or false, got 1/);
    expect((await call({ outputAttentions: false })).attentions).toBeUndefined();
    model.dispose();
  });

  it('generate refuses per-step attentions and hidden states with an UnsupportedError instead of ignoring them', async () => {
    const model = await GPT2LMHeadModel.fromPretrained(fixtureDir('gpt2-tiny'), { backend: engineBackend() });
    const generate = (options: object) => model.generate([[5, 6, 7]], { maxNewTokens: 2, ...options } as never);
    await expect(generate({ returnDictInGenerate: true, outputAttentions: true })).rejects.toThrow(UnsupportedError);
    await expect(generate({ returnDictInGenerate: true, outputAttentions: true })).rejects.toThrow(/outputAttentions is not supported during generation/);
    await expect(generate({ outputHiddenStates: true })).rejects.toThrow(/outputHiddenStates is not supported during generation/);
    await expect(generate({ outputAttentions: 'yes' })).rejects.toThrow(InputError);
    expect(() => model.generateStream([[5, 6, 7]], { outputAttentions: true } as never)).toThrow(UnsupportedError);
    // false is HF's default and asks for nothing.
    expect(await generate({ outputAttentions: false, outputHiddenStates: false })).toEqual(await generate({}));
    // generation_config.json asking for them: HF returns them only in the dict, so only then is it refused.
    model.generationConfig = { ...model.generationConfig, output_attentions: true };
    await expect(generate({ returnDictInGenerate: true })).rejects.toThrow(/generation_config.json's output_attentions is true/);
    expect(await generate({})).toHaveLength(1);
    model.dispose();
  });
});

describe('an engine with a fused attention kernel (none ships one yet; tfjs-cpu with one patched in)', () => {
  it('keeps the kernel for plain calls and gives it up only for the calls that return attentions', async () => {
    const backend = await USER_ENGINES[0]!.create();
    const engine = backend as unknown as { kernels: Kernels };
    const plain = new Ops(engine.kernels); // no attention kernel: Ops decomposes
    let fusedCalls = 0;
    engine.kernels = {
      ...engine.kernels,
      attention: (q, k, v, options) => {
        fusedCalls++;
        return plain.attention(q, k, v, options);
      },
    };
    const bert = await BertModel.fromPretrained(fixtureDir('bert-tiny'), { backend });
    const fused = await bert.forward(BERT_IDS);
    expect(fusedCalls, 'one fused call per layer').toBe(LAYERS);
    const withAttentions = await bert.forward({ ...BERT_IDS, outputAttentions: true });
    expect(fusedCalls, 'no fused call when attentions are returned').toBe(LAYERS);
    expect(withAttentions.attentions).toHaveLength(LAYERS);
    expectClose(withAttentions.lastHiddenState.data, fused.lastHiddenState.data, 1e-6, 'same hidden states either way');
    await bert.forward(BERT_IDS);
    expect(fusedCalls, 'the plain program still uses the kernel').toBe(2 * LAYERS);

    const gpt2 = await GPT2Model.fromPretrained(fixtureDir('gpt2-tiny'), { backend });
    await gpt2.forward(GPT2_IDS);
    expect(fusedCalls).toBe(3 * LAYERS);
    expect((await gpt2.forward({ ...GPT2_IDS, outputAttentions: true })).attentions).toHaveLength(LAYERS);
    expect(fusedCalls).toBe(3 * LAYERS);
    bert.dispose();
    gpt2.dispose();
    await backend.dispose();
  });
});
