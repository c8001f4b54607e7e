/**
 * `pnpm demo`: the two committed fixture models on every Node engine.
 *
 * Loads testdata/gpt2-tiny (GPT2LMHeadModel) and testdata/bert-tiny (BertForPreTraining) on tfjs-cpu,
 * tfjs-wasm, ort-web (wasm) and ort-node, runs each on case 0 of the fixture's reference.json, and prints
 * per engine: time, loss, the first logits, greedy tokens, and how far the outputs are from PyTorch float64
 * and from each other. Exits 1 if an engine fails, is more than 1e-4 from the reference, or picks different
 * greedy tokens. No network: everything it reads is in the repository.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createOrtBackend } from '@attnjs/backend-ort';
import { createTfjsBackend } from '@attnjs/backend-tfjs';
import { BertForPreTraining } from '@attnjs/bert';
import { GPT2LMHeadModel } from '@attnjs/gpt';

/** A float32 engine must stay this close to the float64 reference (the test suite asserts 1e-5). */
const TOLERANCE = 1e-4;
const TIMED_RUNS = 5;

const ENGINES = [
  { name: 'tfjs-cpu', create: () => createTfjsBackend({ device: 'cpu' }) },
  { name: 'tfjs-wasm', create: () => createTfjsBackend({ device: 'wasm' }) },
  { name: 'ort-web', create: () => createOrtBackend() },
  { name: 'ort-node', create: async () => createOrtBackend({ ort: await import('onnxruntime-node') }) },
];

const testdata = (path) => fileURLToPath(new URL(`../testdata/${path}`, import.meta.url));
const readJson = async (path) => JSON.parse(await readFile(testdata(path), 'utf8'));

// ---------- what each model runs and how it is checked ----------

/** GPT-2: case 0 (right-padded batch of 2) with labels, plus greedy generation of the first prompt. */
const GPT2 = {
  title: 'GPT-2 tiny (testdata/gpt2-tiny, GPT2LMHeadModel)',
  dir: 'gpt2-tiny',
  load: (dir, backend) => GPT2LMHeadModel.fromPretrained(dir, { backend }),
  describe(ref) {
    const c = ref.cases[0];
    const g = ref.generation[0];
    return `case "${c.name}": input_ids [${c.input_ids.length}, ${c.input_ids[0].length}], lengths [${c.lengths}], with labels; greedy: ${g.max_new_tokens} tokens after [${g.prompt}]`;
  },
  forward(model, ref) {
    const c = ref.cases[0];
    return model.forward({ inputIds: c.input_ids, attentionMask: c.attention_mask, labels: c.labels });
  },
  /** Outputs at valid positions only (the reference is trimmed to them), as flat arrays. */
  compare(out, ref) {
    const c = ref.cases[0];
    const want = c.float64;
    return {
      logits: [valid(out.logits, c.lengths), want.logits.flat(2)],
      last_hidden_state: [valid(out.lastHiddenState, c.lengths), want.last_hidden_state.flat(2)],
      loss: [[out.loss], [want.loss]],
    };
  },
  logits: (out, ref) => valid(out.logits, ref.cases[0].lengths),
  async tokens(model, ref) {
    const g = ref.generation[0];
    const [row] = await model.generate([g.prompt], { maxNewTokens: g.max_new_tokens });
    return { got: row.slice(g.prompt.length), want: g.new_tokens };
  },
  tokensLabel: 'greedy tokens',
  refLoss: (ref) => ref.cases[0].float64.loss,
  refFirstLogits: (ref) => ref.cases[0].float64.logits[0][0],
};

/** BERT: case 0 (a right-padded pair batch of 2) with MLM and NSP labels; tokens = argmax at each [MASK]. */
const BERT = {
  title: 'BERT tiny (testdata/bert-tiny, BertForPreTraining)',
  dir: 'bert-tiny',
  load: (dir, backend) => BertForPreTraining.fromPretrained(dir, { backend }),
  describe(ref) {
    const c = ref.cases[0];
    return `case "${c.name}": input_ids [${c.input_ids.length}, ${c.input_ids[0].length}], lengths [${c.lengths}], token types, MLM + NSP labels; tokens: argmax at each [MASK]`;
  },
  forward(model, ref) {
    const c = ref.cases[0];
    return model.forward({
      inputIds: c.input_ids,
      attentionMask: c.attention_mask,
      tokenTypeIds: c.token_type_ids,
      labels: c.mlm_labels,
      nextSentenceLabel: c.next_sentence_label,
    });
  },
  compare(out, ref) {
    const c = ref.cases[0];
    const want = c.float64;
    const masked = want.mlm_logits_at_masked;
    return {
      mlm_logits_at_masked: [masked.flatMap((m) => row(out.predictionLogits, m.batch, m.position)), masked.flatMap((m) => m.logits)],
      nsp_logits: [Array.from(out.seqRelationshipLogits.data), want.nsp_logits.flat()],
      sequence_output: [valid(out.lastHiddenState, c.lengths), want.sequence_output.flat(2)],
      loss: [[out.loss], [want.total_loss]],
    };
  },
  logits: (out, ref) => valid(out.predictionLogits, ref.cases[0].lengths),
  async tokens(_model, ref, out) {
    const masked = ref.cases[0].float64.mlm_logits_at_masked;
    return {
      got: masked.map((m) => argmax(row(out.predictionLogits, m.batch, m.position))),
      want: masked.map((m) => argmax(m.logits)),
    };
  },
  tokensLabel: 'argmax @ [MASK]',
  refLoss: (ref) => ref.cases[0].float64.total_loss,
  refFirstLogits: (ref) => ref.cases[0].float64.mlm_logits_at_masked[0].logits,
  firstLogits: (out, ref) => {
    const m = ref.cases[0].float64.mlm_logits_at_masked[0];
    return row(out.predictionLogits, m.batch, m.position);
  },
};

// ---------- tensor helpers ----------

/** Row [b, t, :] of a (B, T, N) host tensor. */
function row(t, b, position) {
  const [, length, width] = t.shape;
  const start = (b * length + position) * width;
  return Array.from(t.data.subarray(start, start + width));
}

/** The (B, T, N) tensor's rows at valid positions (t < lengths[b]), flattened in order. */
function valid(t, lengths) {
  return lengths.flatMap((length, b) => Array.from({ length }, (_, position) => row(t, b, position)).flat());
}

function argmax(values) {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

function maxAbsDiff(a, b) {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= worst)) worst = Number.isNaN(d) ? Number.POSITIVE_INFINITY : d;
  }
  return worst;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// ---------- running ----------

/** Loads and runs one model on one engine; returns what the tables show. */
async function runModel(spec, backend, ref) {
  const dir = testdata(`${spec.dir}/`);
  let t0 = performance.now();
  const model = await spec.load(dir, backend);
  try {
    const out = await spec.forward(model, ref); // first call: uploads weights / compiles the graph
    const firstMs = performance.now() - t0;
    const times = [];
    for (let i = 0; i < TIMED_RUNS; i++) {
      t0 = performance.now();
      await spec.forward(model, ref);
      times.push(performance.now() - t0);
    }
    const compared = spec.compare(out, ref);
    const diffs = Object.fromEntries(Object.entries(compared).map(([name, [got, want]]) => [name, maxAbsDiff(got, want)]));
    const tokens = await spec.tokens(model, ref, out);
    return {
      firstMs,
      ms: median(times),
      loss: out.loss,
      firstLogits: (spec.firstLogits ? spec.firstLogits(out, ref) : row(out.logits, 0, 0)).slice(0, 4),
      logits: spec.logits(out, ref),
      diffs,
      worst: Math.max(...Object.values(diffs)),
      tokens,
    };
  } finally {
    model.dispose();
  }
}

async function runEngine(engine, refs) {
  const results = {};
  let backend;
  try {
    backend = await engine.create();
    for (const [key, spec] of Object.entries(MODELS)) results[key] = await runModel(spec, backend, refs[key]);
    return { ok: true, backendName: backend.name, results };
  } catch (error) {
    return { ok: false, error, results };
  } finally {
    await backend?.dispose();
  }
}

// ---------- printing ----------

const fmt = {
  ms: (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1)),
  num: (x) => (x === undefined || x === null ? '—' : x.toFixed(6)),
  vec: (xs) => `[${xs.map((x) => x.toFixed(4)).join(', ')}]`,
  diff: (x) => (x === 0 ? '0' : x.toExponential(1)),
  tokens: (xs) => (xs.length > 12 ? `${xs.slice(0, 12).join(' ')} …` : xs.join(' ')),
};

function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => `  ${cells.map((c, i) => String(c).padEnd(widths[i])).join('  ')}`.trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function report(key, spec, ref, runs) {
  console.log(`\n${spec.title}`);
  console.log(`  ${spec.describe(ref)}\n`);
  const rows = [];
  for (const [name, run] of runs) {
    const r = run.results[key];
    if (!r) {
      rows.push([name, 'FAILED', '', '', '', '', '', '']);
      continue;
    }
    const tokensOk = r.tokens.got.join() === r.tokens.want.join();
    rows.push([
      name,
      fmt.ms(r.firstMs),
      fmt.ms(r.ms),
      fmt.num(r.loss),
      fmt.vec(r.firstLogits),
      `${fmt.tokens(r.tokens.got)} ${tokensOk ? '✓' : '✗'}`,
      fmt.diff(r.worst),
      r.worst <= TOLERANCE && tokensOk ? 'ok' : 'FAIL',
    ]);
  }
  const want = runs.find(([, run]) => run.results[key])?.[1].results[key].tokens.want ?? [];
  rows.push(['PyTorch f64 (reference)', '', '', fmt.num(spec.refLoss(ref)), fmt.vec(spec.refFirstLogits(ref).slice(0, 4)), fmt.tokens(want), '', '']);
  console.log(table(['engine', 'load+1st ms', `ms (median of ${TIMED_RUNS})`, 'loss', 'first logits', spec.tokensLabel, 'max |Δ| vs ref', 'result'], rows));

  // Largest logits difference between every pair of engines that ran.
  const ran = runs.filter(([, run]) => run.results[key]);
  let worstPair = { d: -1 };
  const matrix = ran.map(([a, runA]) => [
    a,
    ...ran.map(([b, runB]) => {
      const d = maxAbsDiff(runA.results[key].logits, runB.results[key].logits);
      if (a < b && d > worstPair.d) worstPair = { d, a, b };
      return a === b ? '·' : fmt.diff(d);
    }),
  ]);
  console.log(`\n  max |Δ logits| between engines (valid positions):`);
  console.log(table(['', ...ran.map(([n]) => n)], matrix));
  if (worstPair.d >= 0) console.log(`  largest: ${fmt.diff(worstPair.d)} (${worstPair.a} vs ${worstPair.b})`);
  const detail = ran.map(([n, run]) => `${n}: ${Object.entries(run.results[key].diffs).map(([k, v]) => `${k} ${fmt.diff(v)}`).join(', ')}`);
  console.log(`\n  max |Δ| vs PyTorch float64 per output:\n    ${detail.join('\n    ')}`);
}

// ---------- main ----------

const MODELS = { gpt2: GPT2, bert: BERT };

const refs = { gpt2: await readJson('gpt2-tiny/reference.json'), bert: await readJson('bert-tiny/reference.json') };
console.log(`attn.js: the same GPT-2 and BERT on every Node engine (Node ${process.version}, tolerance ${TOLERANCE} vs PyTorch float64)`);

const runs = [];
for (const engine of ENGINES) {
  const run = await runEngine(engine, refs);
  runs.push([engine.name, run]);
  if (!run.ok) console.error(`\n${engine.name}: FAILED: ${run.error?.stack ?? run.error}`);
}
for (const [key, spec] of Object.entries(MODELS)) report(key, spec, refs[key], runs);

const problems = [];
for (const [name, run] of runs) {
  if (!run.ok) problems.push(`${name} failed to run`);
  for (const [key, r] of Object.entries(run.results)) {
    if (!(r.worst <= TOLERANCE)) problems.push(`${name} ${key}: ${fmt.diff(r.worst)} from the reference (> ${TOLERANCE})`);
    if (r.tokens.got.join() !== r.tokens.want.join()) problems.push(`${name} ${key}: tokens differ from the reference`);
  }
}
if (problems.length > 0) {
  console.error(`\nFAILED:\n  ${problems.join('\n  ')}`);
  process.exitCode = 1;
} else {
  console.log(`\nAll ${runs.length} engines agree with PyTorch float64 within ${TOLERANCE}, and on every token.`);
}
