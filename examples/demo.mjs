/**
 * `pnpm demo`: the default models, trained by attn.js itself (see models/), on one engine.
 *
 *   node examples/demo.mjs [--engine tfjs-wasm|tfjs-cpu|ort-web|ort-node] [--parity] [--models <folder>]
 *
 * Generates Shakespeare with models/shakespeare-gpt, fills masks with models/sst2-bert/pretrained (the
 * masked-LM model the classifier was fine-tuned from) and classifies sentiment with models/sst2-bert.
 * `--parity` instead runs examples/engines.mjs: the fixture models on every Node engine against PyTorch.
 * Decoding is greedy, so every engine prints the same text; tests/demo.test.ts checks it against NumPy.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BertForMaskedLM, BertForSequenceClassification } from '@attnjs/bert';
import { GPT2LMHeadModel } from '@attnjs/gpt';
import { Tokenizer } from '@attnjs/tokenizers';
import { createEngine, ENGINE_NAMES } from '../models/shared.mjs';

const { values: args } = parseArgs({
  options: {
    engine: { type: 'string', default: 'tfjs-wasm' },
    parity: { type: 'boolean', default: false },
    models: { type: 'string', default: fileURLToPath(new URL('../models', import.meta.url)) },
  },
});
if (args.parity) {
  const run = spawnSync(process.execPath, [fileURLToPath(new URL('./engines.mjs', import.meta.url))], { stdio: 'inherit' });
  process.exit(run.status ?? 1);
}
if (!ENGINE_NAMES.includes(args.engine)) {
  console.error(`--engine must be one of ${ENGINE_NAMES.join(', ')}; got "${args.engine}"`);
  process.exit(2);
}

const PROMPT = 'ROMEO:\n';
const GENERATION = { maxNewTokens: 48, noRepeatNgramSize: 3 };
const MASKED = ['the acting is [MASK] .', 'it is a [MASK] movie about love .'];
const REVIEWS = [
  'a gorgeous , witty and deeply moving film .',
  'a dull , lifeless mess with nothing to say .',
  'the cast is good , but the script is boring .',
];

const model = (name) => `${args.models}/${name}`;
const backend = await createEngine(args.engine);
console.log(`attn.js on ${args.engine}, with the default models that attn.js trained (models/)\n`);

// GPT: Shakespeare, greedy (no repeated 3-grams).
{
  const tokenizer = await Tokenizer.fromFile(`${model('shakespeare-gpt')}/tokenizer.json`);
  const gpt = await GPT2LMHeadModel.fromPretrained(model('shakespeare-gpt'), { backend });
  const prompt = tokenizer.encode(PROMPT).ids;
  const [ids] = await gpt.generate([prompt], { ...GENERATION, doSample: false });
  console.log(`shakespeare-gpt, prompt ${JSON.stringify(PROMPT)}:`);
  console.log(indent(tokenizer.decode(ids)));
  gpt.dispose();
}

// BERT masked-LM: the three likeliest fillers of [MASK].
{
  const dir = `${model('sst2-bert')}/pretrained`;
  const tokenizer = await Tokenizer.fromFile(`${dir}/tokenizer.json`);
  const mlm = await BertForMaskedLM.fromPretrained(dir, { backend });
  console.log('\nsst2-bert/pretrained, fill-mask:');
  for (const text of MASKED) {
    const ids = tokenizer.encode(text).ids;
    const at = ids.indexOf(tokenizer.tokenToId('[MASK]'));
    const { logits } = await mlm.forward({ inputIds: [ids] });
    const vocab = logits.shape[2];
    const probs = softmax(logits.data.subarray(at * vocab, (at + 1) * vocab));
    const top = [...probs.keys()].sort((a, b) => probs[b] - probs[a]).slice(0, 3);
    console.log(`  ${text.padEnd(36)} → ${top.map((id) => `${tokenizer.idToToken(id)} ${probs[id].toFixed(3)}`).join(', ')}`);
  }
  mlm.dispose();
}

// BERT sequence classification: sentiment.
{
  const dir = model('sst2-bert');
  const tokenizer = await Tokenizer.fromFile(`${dir}/tokenizer.json`);
  const classifier = await BertForSequenceClassification.fromPretrained(dir, { backend });
  console.log('\nsst2-bert, sentiment:');
  for (const text of REVIEWS) {
    const { logits } = await classifier.forward({ inputIds: [tokenizer.encode(text).ids] });
    const probs = softmax(logits.data);
    const best = probs[1] > probs[0] ? 1 : 0;
    console.log(`  ${text.padEnd(46)} → ${classifier.config.id2label[best]} ${probs[best].toFixed(3)}`);
  }
  classifier.dispose();
}
await backend.dispose();

function softmax(values) {
  const max = Math.max(...values);
  const exps = Float64Array.from(values, (v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

function indent(text) {
  return text.trimEnd().split('\n').map((line) => (line ? `  | ${line}` : '  |')).join('\n');
}
