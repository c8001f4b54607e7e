// Encoding throughput of @attnjs/tokenizers next to the JS tokenizers people use and HF's Rust
// `tokenizers`, on GPT-2 byte-level BPE and BERT WordPiece. A plain Node script, not a timed test:
//
//   pnpm --filter @attnjs/tokenizers build && pnpm --filter @attnjs/tokenizers bench
//
// Ours is measured twice: `encodeIds()` (ids only, what js-tiktoken, gpt-tokenizer and
// transformers.js's `encode` return) and `encode()` (the full Encoding with tokens, offsets and masks,
// what HF's Rust `encode` returns). Ratios are given against both.
//
// Each peer encodes the same texts in two ways: the whole text in one call ("1 call"), and one call
// per line ("per line", which adds each library's per-call overhead). Every measurement is warmed
// up, repeated (at least 5 runs and 1 s per peer; peers take turns run by run), and the median is
// reported as MB/s of UTF-8 input.
// Before timing, each peer's ids are compared with ours on a sample, so like is compared with like.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { getEncoding } from 'js-tiktoken';
import * as gptTokenizer from 'gpt-tokenizer/encoding/r50k_base';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { Tokenizer } from '../dist/index.js';

const hf = createRequire(import.meta.url)('tokenizers');
const testdata = fileURLToPath(new URL('../../../testdata/', import.meta.url));
const gpt2File = `${testdata}gpt2-hf-fake/tokenizer.json`;
const bertFile = `${testdata}bert-vocab/tokenizer.json`;

// transformers.js loads the same local tokenizer.json files; it must never reach the network.
env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = testdata;

const MIN_RUNS = 5;
const MIN_SECONDS = 1; // per peer
const MAX_RUNS = 30;

// --- texts -------------------------------------------------------------------------------------

const shakespeare = readFileSync(`${testdata}data/tinyshakespeare.txt`, 'utf8');
const multilingual = buildMultilingual(readFileSync(new URL('./multilingual.txt', import.meta.url), 'utf8'));

/**
 * ~400 KB from the 3 KB sample: its lines in a different (seeded) order in each copy, so the text
 * is not one block repeated. The words still repeat far more than in natural text, which favours
 * tokenizers with a word cache (ours, gpt-tokenizer, transformers.js, HF); tinyshakespeare is the
 * natural-text measurement.
 */
function buildMultilingual(sample) {
  const lines = sample.split('\n').filter((line) => line.length > 0);
  let seed = 12345;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const copies = [];
  for (let copy = 0; copy < 128; copy++) {
    const order = lines.map((line) => [random(), line]).sort((a, b) => a[0] - b[0]);
    copies.push(order.map(([, line]) => line).join('\n'));
  }
  return copies.join('\n') + '\n';
}

const texts = [
  { name: 'tinyshakespeare', text: shakespeare },
  { name: 'multilingual', text: multilingual },
];
for (const t of texts) {
  t.bytes = Buffer.byteLength(t.text, 'utf8');
  t.lines = t.text.split('\n').filter((line) => line.length > 0);
}

// --- tokenizers --------------------------------------------------------------------------------

const load = async (what, make) => {
  try {
    return await make();
  } catch (error) {
    console.error(`! could not load ${what}: ${error.message}`);
    return undefined;
  }
};

const oursGpt2 = await Tokenizer.fromFile(gpt2File);
const oursBert = await Tokenizer.fromFile(bertFile);
const tiktoken = getEncoding('r50k_base');
const tjGpt2 = await load('transformers.js GPT-2', () => AutoTokenizer.from_pretrained('gpt2-hf-fake'));
const tjBert = await load('transformers.js BERT', () => AutoTokenizer.from_pretrained('bert-vocab'));
const hfGpt2 = hf.Tokenizer.fromFile(gpt2File);
const hfBert = hf.Tokenizer.fromFile(bertFile);

const models = [
  {
    name: 'GPT-2 byte-level BPE',
    peers: [
      { name: 'ours encodeIds()', encode: (s) => oursGpt2.encodeIds(s, { addSpecialTokens: false }) },
      { name: 'ours encode()', encode: (s) => oursGpt2.encode(s, { addSpecialTokens: false }).ids },
      { name: 'js-tiktoken (r50k_base)', encode: (s) => tiktoken.encode(s) },
      // gpt-tokenizer's `disallowedSpecial` check would throw on "<|endoftext|>"; none is in these texts.
      { name: 'gpt-tokenizer (r50k_base)', encode: (s) => gptTokenizer.encode(s) },
      tjGpt2 && { name: 'transformers.js', encode: (s) => tjGpt2.encode(s, { add_special_tokens: false }) },
      {
        name: 'HF tokenizers (Rust)',
        async: true,
        encode: async (s) => (await hfGpt2.encode(s, null, { addSpecialTokens: false })).getIds(),
      },
    ].filter(Boolean),
  },
  {
    name: 'BERT WordPiece (uncased)',
    peers: [
      { name: 'ours encodeIds()', encode: (s) => oursBert.encodeIds(s, { addSpecialTokens: false }) },
      { name: 'ours encode()', encode: (s) => oursBert.encode(s, { addSpecialTokens: false }).ids },
      tjBert && { name: 'transformers.js', encode: (s) => tjBert.encode(s, { add_special_tokens: false }) },
      {
        name: 'HF tokenizers (Rust)',
        async: true,
        encode: async (s) => (await hfBert.encode(s, null, { addSpecialTokens: false })).getIds(),
      },
    ].filter(Boolean),
  },
];

const modes = [
  { name: '1 call', inputs: (t) => [t.text] },
  { name: 'per line', inputs: (t) => t.lines },
];

// --- verification ------------------------------------------------------------------------------

async function idsOf(peer, inputs) {
  const out = [];
  for (const input of inputs) out.push(Array.from(peer.async ? await peer.encode(input) : peer.encode(input)));
  return out;
}

function firstMismatch(a, b) {
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (!y || x.length !== y.length || x.some((id, j) => id !== y[j])) {
      const j = y ? x.findIndex((id, k) => id !== y[k]) : 0;
      return `input ${i}, token ${j < 0 ? Math.min(x.length, y.length) : j}`;
    }
  }
  return a.length === b.length ? null : 'different number of inputs';
}

console.log(`# Tokenizer encode throughput\n`);
console.log(`Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores).`);
console.log(
  texts.map((t) => `${t.name}: ${(t.bytes / 1e6).toFixed(2)} MB, ${t.lines.length} lines`).join('; ') + '.\n',
);

console.log('## Same ids as ours?\n');
console.log('Sample: the first 64 KB of each text in one call, and its first 1000 lines one by one.\n');
console.log('| model | peer | text | 1 call | per line |');
console.log('| --- | --- | --- | --- | --- |');
const verified = new Map();
for (const model of models) {
  const [ours, ...others] = model.peers; // everyone, ours encode() included, against ours encodeIds()
  for (const t of texts) {
    const whole = [t.text.slice(0, 65536)];
    const lines = t.lines.slice(0, 1000);
    const oursWhole = await idsOf(ours, whole);
    const oursLines = await idsOf(ours, lines);
    for (const peer of others) {
      const wholeMismatch = firstMismatch(oursWhole, await idsOf(peer, whole));
      const linesMismatch = firstMismatch(oursLines, await idsOf(peer, lines));
      verified.set(`${model.name}|${peer.name}|${t.name}`, !wholeMismatch && !linesMismatch);
      const cell = (m) => (m ? `✗ differs at ${m}` : '✓ identical');
      console.log(`| ${model.name} | ${peer.name} | ${t.name} | ${cell(wholeMismatch)} | ${cell(linesMismatch)} |`);
    }
  }
}

// --- timing ------------------------------------------------------------------------------------

async function timeOnce(peer, inputs) {
  const start = performance.now();
  if (peer.async) for (const input of inputs) await peer.encode(input);
  else for (const input of inputs) peer.encode(input);
  return (performance.now() - start) / 1000;
}

/**
 * MB/s of each peer on `inputs`, median of runs. Peers take turns run by run, so a change in machine
 * load (this machine is shared) hits all of them alike and the ratios stay meaningful.
 */
async function measureRow(peers, inputs, bytes) {
  for (const peer of peers) await timeOnce(peer, inputs); // warm-up: JIT, caches, lazy tables
  const samples = peers.map(() => []);
  let spent = 0;
  for (let run = 0; run < MAX_RUNS && (run < MIN_RUNS || spent < MIN_SECONDS * peers.length); run++) {
    for (let i = 0; i < peers.length; i++) {
      const s = await timeOnce(peers[i], inputs);
      samples[i].push(s);
      spent += s;
    }
  }
  return samples.map((list) => {
    list.sort((a, b) => a - b);
    return bytes / 1e6 / list[list.length >> 1];
  });
}

console.log('\n## Throughput (MB/s of UTF-8 input, median)\n');
console.log('In brackets: ours ÷ peer, for `encodeIds()` / for `encode()`.\n');
for (const model of models) {
  const [oursIds, oursFull, ...others] = model.peers;
  console.log(`### ${model.name}\n`);
  console.log(`| text | calls | ${model.peers.map((p) => p.name).join(' | ')} |`);
  console.log(`| --- | --- | ${model.peers.map(() => '---:').join(' | ')} |`);
  for (const t of texts) {
    for (const mode of modes) {
      const inputs = mode.inputs(t);
      const [idsRate, fullRate, ...rates] = await measureRow(model.peers, inputs, t.bytes);
      const cells = [`**${idsRate.toFixed(1)}**`, `**${fullRate.toFixed(1)}**`];
      for (const [i, peer] of others.entries()) {
        const rate = rates[i];
        const mark = verified.get(`${model.name}|${peer.name}|${t.name}`) ? '' : ' †';
        cells.push(`${rate.toFixed(1)} (${(idsRate / rate).toFixed(2)}× / ${(fullRate / rate).toFixed(2)}×)${mark}`);
      }
      console.log(`| ${t.name} | ${mode.name} | ${cells.join(' | ')} |`);
    }
  }
  console.log('');
}
console.log('† ids differ from ours on the verification sample (see above).');
