/**
 * Every task head on every engine against the float64 PyTorch references (testdata/heads, copied from
 * the shared fixtures): logits and loss within the README's tolerance (|Δ| ≤ 1e-5·(1 + |want|)).
 */
import {
  BertForMultipleChoice,
  BertForNextSentencePrediction,
  BertForQuestionAnswering,
  BertForSequenceClassification,
  BertForTokenClassification,
} from '@attnjs/bert';
import type { Backend, HostTensor } from '@attnjs/core';
import { GPT2ForSequenceClassification, GPT2ForTokenClassification } from '@attnjs/gpt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USER_ENGINES as ENGINES } from './engines.js';
import { TOLERANCE, expectClose, fixtureDir, readReference, rows } from './reference.js';

const tol = TOLERANCE.normal;
// biome-ignore lint: reference cases are free-form JSON
type Case = any;
interface Model {
  forward(inputs: object): Promise<object>;
  dispose(): void;
}

const bertInputs = (c: Case) => ({ inputIds: c.input_ids, attentionMask: c.attention_mask, tokenTypeIds: c.token_type_ids });
const gptInputs = (c: Case) => ({ inputIds: c.input_ids, attentionMask: c.attention_mask });

/** Per-position logits [B, T, C] trimmed to each row's length, against the reference [B][len_b][C]. */
function expectTrimmed(logits: HostTensor, want: number[][][], lengths: number[], what: string) {
  lengths.forEach((length, b) => expectClose(rows(logits, b, length), want[b], tol, `${what}[${b}]`));
}

/** Each fixture: how to load it, what to feed, and what to compare. */
const HEADS: {
  name: string;
  load: (dir: string, backend: Backend) => Promise<Model>;
  inputs: (c: Case) => object;
  check: (out: any, c: Case) => void;
}[] = [
  ...['bert-seqcls', 'bert-seqcls-multilabel', 'bert-regression'].map((name) => ({
    name,
    load: (dir: string, backend: Backend) => BertForSequenceClassification.fromPretrained(dir, { backend }),
    inputs: (c: Case) => ({ ...bertInputs(c), labels: c.labels, outputHiddenStates: true }),
    check: (out: any, c: Case) => {
      expectClose(out.logits.data, c.float64.logits, tol, 'logits');
      expect(out.logits.shape).toEqual([c.labels.length, c.float64.logits[0].length]);
      expectTrimmed(out.hiddenStates.at(-1), c.float64.sequence_output, c.lengths, 'sequence_output');
    },
  })),
  {
    name: 'bert-tokencls',
    load: (dir, backend) => BertForTokenClassification.fromPretrained(dir, { backend }),
    inputs: (c) => ({ ...bertInputs(c), labels: c.labels }),
    check: (out, c) => expectTrimmed(out.logits, c.float64.logits, c.lengths, 'logits'),
  },
  {
    name: 'bert-qa',
    load: (dir, backend) => BertForQuestionAnswering.fromPretrained(dir, { backend }),
    inputs: (c) => ({ ...bertInputs(c), startPositions: c.start_positions, endPositions: c.end_positions }),
    // HF's loss includes the pad positions, so the logits there (start/end_logits_padded) matter too.
    check: (out, c) => {
      expectClose(out.startLogits.data, c.float64.start_logits_padded, tol, 'start_logits (all T)');
      expectClose(out.endLogits.data, c.float64.end_logits_padded, tol, 'end_logits (all T)');
    },
  },
  {
    name: 'bert-multiple-choice',
    load: (dir, backend) => BertForMultipleChoice.fromPretrained(dir, { backend }),
    inputs: (c) => ({ ...bertInputs(c), labels: c.labels }),
    check: (out, c) => {
      expect(out.logits.shape).toEqual([c.labels.length, 4]);
      expectClose(out.logits.data, c.float64.logits, tol, 'logits');
    },
  },
  {
    name: 'bert-nsp',
    load: (dir, backend) => BertForNextSentencePrediction.fromPretrained(dir, { backend }),
    inputs: (c) => ({ ...bertInputs(c), labels: c.labels }),
    check: (out, c) => expectClose(out.logits.data, c.float64.logits, tol, 'logits'),
  },
  {
    name: 'gpt2-seqcls',
    load: (dir, backend) => GPT2ForSequenceClassification.fromPretrained(dir, { backend }),
    inputs: (c) => ({ ...gptInputs(c), labels: c.labels, outputHiddenStates: true }),
    check: (out, c) => {
      expectClose(out.logits.data, c.float64.logits, tol, 'logits (at the last non-pad token)');
      expectTrimmed(out.hiddenStates.at(-1), c.float64.last_hidden_state, c.lengths, 'last_hidden_state');
    },
  },
  {
    name: 'gpt2-tokencls',
    load: (dir, backend) => GPT2ForTokenClassification.fromPretrained(dir, { backend }),
    inputs: (c) => ({ ...gptInputs(c), labels: c.labels }),
    check: (out, c) => expectTrimmed(out.logits, c.float64.logits, c.lengths, 'logits'),
  },
];

describe.each(ENGINES)('task heads on $name', (engine) => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await engine.create();
  });
  afterAll(async () => {
    await backend.dispose();
  });

  describe.each(HEADS)('$name', (head) => {
    const ref = readReference(`heads/${head.name}`);
    for (const c of ref.cases) it(`case ${c.name}: logits and loss`, async () => {
      const model = await head.load(fixtureDir(`heads/${head.name}`), backend);
      try {
        const out = (await model.forward(head.inputs(c))) as { loss?: number };
        head.check(out, c);
        expectClose([out.loss!], [c.float64.loss], tol, 'loss');
        // Without labels: the same logits, no loss.
        const { labels, startPositions, endPositions, ...plain } = head.inputs(c) as Record<string, unknown>;
        const bare = (await model.forward(plain)) as { loss?: number };
        expect(bare.loss).toBeUndefined();
        head.check(bare, c);
      } finally {
        model.dispose();
      }
    });
  });
});
