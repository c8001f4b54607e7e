/**
 * Every GPT-2 and BERT reference case in testdata/ as page jobs, each with the checks its outputs must
 * pass (the Node conformance suites' checks, tests/model-checks.ts). The page runs a job's cases on one
 * engine and returns raw tensors; `checks` turn them into one named assertion each.
 */
import type { HostTensor } from '@attnjs/core';
import { expect } from 'vitest';
import { expectBertHfTiniest, expectBertPreTrainingCase, expectGpt2Case, expectGpt2HfFake, type Outputs } from '../model-checks.js';
import { LAYERS, expectProbabilityLaws, expectReproduced } from '../attention-checks.js';
import type { Architecture } from '../attention-reference.js';
import { fixtureDir, readReference, TOLERANCE } from '../reference.js';
import type { Failed, ForwardOutputs, ModelJob, ModelOutputs, WireTensor } from './page/protocol.js';

export interface Check {
  readonly name: string;
  readonly run: (out: ModelOutputs) => void | Promise<void>;
}

export interface Fixture {
  readonly job: ModelJob;
  readonly checks: readonly Check[];
}

const fromWire = (w: WireTensor): HostTensor => {
  const bytes = Uint8Array.from(Buffer.from(w.base64, 'base64')); // a copy: Node's pooled buffers may be unaligned
  return { dtype: 'float32', shape: w.shape, data: new Float32Array(bytes.buffer) };
};
/** A case the page could not run fails its check with the page's error. */
function succeeded<T extends object>(result: T | Failed): T {
  if ('error' in result) throw new Error(`the page failed on this case: ${result.error}`);
  return result;
}
const outputs = (result: ForwardOutputs | Failed): Outputs & { attentions?: HostTensor[] } => {
  const f = succeeded(result);
  return {
    logits: fromWire(f.logits),
    lastHiddenState: fromWire(f.lastHiddenState),
    hiddenStates: f.hiddenStates?.map(fromWire),
    attentions: f.attentions?.map(fromWire),
    loss: f.loss ?? undefined,
    nspLogits: f.nspLogits && fromWire(f.nspLogits),
  };
};

// biome-ignore lint: reference files are free-form JSON
type Json = any;

/** A reference case's inputs with `outputAttentions` (an extra forward after the case's own). */
const attentionsForward = (c: Json) => ({
  inputIds: c.input_ids,
  attentionMask: c.attention_mask,
  ...(c.token_type_ids ? { tokenTypeIds: c.token_type_ids } : {}),
  outputAttentions: true,
});

/** The laws of attention probabilities, and agreement with the float64 re-computation from the case's reference hidden states. */
function attentionsCheck(fixture: string, architecture: Architecture, c: Json, at: number, tol: number): Check {
  return {
    name: `${fixture} case ${c.name}: attention probabilities`,
    run: async (out) => {
      const attentions = outputs(out.forwards[at]!).attentions!;
      expect(attentions).toHaveLength(LAYERS);
      attentions.forEach((a, l) => expectProbabilityLaws(a, c.attention_mask, architecture === 'gpt2', `attentions[${l}]`));
      const ref = c.float64.hidden_states as number[][][][];
      const last = (b: number) => (architecture === 'gpt2' ? ref[LAYERS]![b]! : c.float64.sequence_output[b]);
      await expectReproduced(architecture, fixtureDir(fixture), attentions, (l, b) => ref[l]![b]!, last, c.lengths, fixture, tol);
    },
  };
}

function gpt2Tiny(fixture: string, tol: number): Fixture {
  const ref = readReference(fixture);
  return {
    job: {
      modelClass: 'GPT2LMHeadModel',
      fixture,
      forwards: [
        ...ref.cases.map((c: Json) => ({ inputIds: c.input_ids, attentionMask: c.attention_mask, labels: c.labels, outputHiddenStates: true })),
        attentionsForward(ref.cases[0]),
      ],
      // Each prompt with the KV cache (in the engine), then recomputing the prefix every step.
      generations: [true, false].flatMap((useCache) => ref.generation.map((g: Json) => ({ prompt: g.prompt, maxNewTokens: g.max_new_tokens, useCache }))),
    },
    checks: [
      ...ref.cases.map((c: Json, i: number) => ({
        name: `${fixture} case ${c.name}: logits, hidden states, loss`,
        run: (out: ModelOutputs) => expectGpt2Case(outputs(out.forwards[i]!), c, tol),
      })),
      attentionsCheck(fixture, 'gpt2', ref.cases[0], ref.cases.length, tol),
      ...[true, false].flatMap((useCache, pass) =>
        ref.generation.map((g: Json, i: number) => ({
          name: `${fixture} greedy generation from [${g.prompt.join(' ')}], ${useCache ? 'cached' : 'uncached'}`,
          run: (out: ModelOutputs) => expect(succeeded(out.generated[pass * ref.generation.length + i]!)).toEqual(g.new_tokens),
        })),
      ),
    ],
  };
}

function gpt2HfFake(): Fixture {
  const fixture = 'gpt2-hf-fake';
  const ref = readReference(fixture);
  const { prompt, max_new_tokens, new_tokens } = ref.generation;
  return {
    job: {
      modelClass: 'GPT2LMHeadModel',
      fixture,
      forwards: [{ inputIds: ref.input_ids, attentionMask: ref.attention_mask, labels: ref.labels }],
      generations: [true, false].map((useCache) => ({ prompt, maxNewTokens: max_new_tokens, useCache })),
    },
    checks: [
      { name: `${fixture}: per-position logit summaries, last hidden state, loss`, run: (out) => expectGpt2HfFake(outputs(out.forwards[0]!), ref, TOLERANCE.normal) },
      { name: `${fixture}: greedy generation, cached`, run: (out) => expect(succeeded(out.generated[0]!)).toEqual(new_tokens) },
      { name: `${fixture}: greedy generation, uncached`, run: (out) => expect(succeeded(out.generated[1]!)).toEqual(new_tokens) },
    ],
  };
}

function bertTiny(fixture: string, tol: number): Fixture {
  const ref = readReference(fixture);
  return {
    job: {
      modelClass: 'BertForPreTraining',
      fixture,
      forwards: [
        ...ref.cases.map((c: Json) => ({
          inputIds: c.input_ids,
          attentionMask: c.attention_mask,
          tokenTypeIds: c.token_type_ids,
          labels: c.mlm_labels,
          nextSentenceLabel: c.next_sentence_label,
          outputHiddenStates: true,
        })),
        attentionsForward(ref.cases[0]),
      ],
      generations: [],
    },
    checks: [
      ...ref.cases.map((c: Json, i: number) => ({
        name: `${fixture} case ${c.name}: hidden states, MLM and NSP logits, total loss`,
        run: (out: ModelOutputs) => expectBertPreTrainingCase(outputs(out.forwards[i]!), c, tol),
      })),
      attentionsCheck(fixture, 'bert', ref.cases[0], ref.cases.length, tol),
    ],
  };
}

function bertHfTiniest(): Fixture {
  const fixture = 'bert-hf-tiniest';
  const ref = readReference(fixture);
  return {
    job: {
      modelClass: 'BertLMHeadModel',
      fixture,
      forwards: [{ inputIds: ref.input_ids, attentionMask: ref.attention_mask, tokenTypeIds: ref.token_type_ids }],
      generations: [],
    },
    checks: [{ name: `${fixture}: sequence output and prediction-head logits`, run: (out) => expectBertHfTiniest(outputs(out.forwards[0]!), ref, TOLERANCE.normal) }],
  };
}

/** Tolerances as in the Node suites: testdata/README.md's float32-vs-float64 bounds. */
export const FIXTURES: readonly Fixture[] = [
  gpt2Tiny('gpt2-tiny', TOLERANCE.normal),
  gpt2Tiny('gpt2-tiny-sharp', TOLERANCE.sharp),
  gpt2HfFake(),
  bertTiny('bert-tiny', TOLERANCE.normal),
  bertTiny('bert-tiny-sharp', TOLERANCE.sharp),
  bertHfTiniest(),
];
