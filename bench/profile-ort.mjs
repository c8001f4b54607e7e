/**
 * Where ort-node's time goes on the GPT-2-124M-shaped forward (1×128): not part of `pnpm bench`, a tool
 * for whoever tunes the ORT backend.
 *
 *   node bench/profile-ort.mjs [gpt2|bert] [runs]
 *
 * Captures the exact program the model hands its backend, traces it to ONNX the way backend-ort does,
 * and runs that graph in onnxruntime-node with profiling on (same EP, threads and optimisation level as
 * the backend's defaults). Prints: model.forward vs bare session.run (the backend's own overhead), the
 * time per ONNX op type after ORT's fusions, the slowest nodes, and the GFLOP/s its matrix products reach.
 * The optimised graph is left in bench/.cache/<model>.optimized.onnx for a closer look.
 */
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import { createOrtBackend, traceToOnnx } from '@attnjs/backend-ort';
import { BertModel } from '@attnjs/bert';
import { GPT2LMHeadModel } from '@attnjs/gpt';
import * as ort from 'onnxruntime-node';
import { CACHE, CHECKPOINTS, ensureCheckpoint } from './checkpoints.mjs';
import { benchIds } from './worker.mjs';

const modelKey = process.argv[2] ?? 'gpt2';
const runs = Number(process.argv[3] ?? 5);
const checkpoint = CHECKPOINTS[modelKey];
await ensureCheckpoint(modelKey);
const load = modelKey === 'gpt2' ? GPT2LMHeadModel : BertModel;

// A backend that remembers the program it is asked to run, then runs it on ort-node as usual.
const inner = await createOrtBackend({ ort });
let captured;
const recording = {
  name: inner.name,
  run: (program, inputs) => {
    captured ??= { program, inputs };
    return inner.run(program, inputs);
  },
  release: (owner, params) => inner.release(owner, params),
  dispose: () => inner.dispose(),
};
const model = await load.fromPretrained(checkpoint.dir, { backend: recording });
const ids = benchIds(checkpoint.config.vocab_size);
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

async function timeIt(fn) {
  await fn();
  await fn();
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return times;
}

const forwardTimes = await timeIt(() => model.forward({ inputIds: ids }));

// The same graph in a bare session: trace it as backend-ort does (dynamic dims, int32 inputs as INT64).
const signature = Object.fromEntries(Object.entries(captured.inputs).map(([n, t]) => [n, { dtype: t.dtype, shape: t.shape.map(() => null) }]));
const bytes = traceToOnnx(captured.program, signature);
model.dispose();
await inner.dispose();

const threads = Math.max(1, Math.min(4, os.availableParallelism()));
const optimizedPath = `${CACHE}${modelKey}.optimized.onnx`;
const base = { executionProviders: ['cpu'], graphOptimizationLevel: 'all', intraOpNumThreads: threads };
const feeds = Object.fromEntries(
  Object.entries(captured.inputs).map(([n, t]) => [n, new ort.Tensor('int64', BigInt64Array.from(t.data, BigInt), t.shape)]),
);

const plain = await ort.InferenceSession.create(bytes, { ...base, optimizedModelFilePath: optimizedPath });
const sessionTimes = await timeIt(() => plain.run(feeds));
await plain.release();

const prefix = `ort-profile-${process.pid}`;
const profiled = await ort.InferenceSession.create(bytes, { ...base, enableProfiling: true, profileFilePrefix: `${CACHE}${prefix}` });
await timeIt(() => profiled.run(feeds));
profiled.endProfiling(); // onnxruntime-node returns nothing: the file is <prefix>_<timestamp>.json
await profiled.release();
const profileFile = `${CACHE}${(await readdir(CACHE)).find((f) => f.startsWith(prefix))}`;

// Aggregate the per-node kernel times of the timed runs (the profile holds warm-ups too: share is what matters).
const events = JSON.parse(await readFile(profileFile, 'utf8'));
const nodes = events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'));
const byType = new Map();
const byNode = new Map();
for (const e of nodes) {
  const type = e.args.op_name;
  const entry = byType.get(type) ?? { us: 0, count: 0 };
  entry.us += e.dur;
  entry.count += 1;
  byType.set(type, entry);
  const name = e.name.replace(/_kernel_time$/, '');
  const shapes = (list) => (list ?? []).map((x) => Object.values(x)[0]);
  const node = byNode.get(name) ?? { type, us: 0, count: 0, inputs: shapes(e.args.input_type_shape), output: shapes(e.args.output_type_shape)[0] ?? [] };
  node.us += e.dur;
  node.count += 1;
  byNode.set(name, node);
}
const totalUs = [...byType.values()].reduce((a, b) => a + b.us, 0);
const sessions = nodes.length && byNode.size ? nodes.length / byNode.size : 1;
await rm(profileFile, { force: true });

const optimizedBytes = (await stat(optimizedPath)).size;
const nodesOf = (type) => [...byNode.values()].filter((x) => x.type === type).length;

console.log(`${checkpoint.label}, 1×128, ort-node ${ort.env.versions?.node ?? ''} intraOpNumThreads ${threads}, graphOptimizationLevel all`);
console.log(`model.forward (backend-ort): median ${median(forwardTimes).toFixed(0)} ms  [${forwardTimes.map((t) => t.toFixed(0)).join(', ')}]`);
console.log(`bare session.run, same graph: median ${median(sessionTimes).toFixed(0)} ms  [${sessionTimes.map((t) => t.toFixed(0)).join(', ')}]`);
console.log(`graph: ${bytes.byteLength} bytes; optimised graph written to ${optimizedPath} (${optimizedBytes} bytes)`);
console.log(`\nkernel time per op type (mean per run, ${sessions.toFixed(0)} profiled runs):`);
console.log('| op type | nodes | ms / run | share |\n| --- | ---: | ---: | ---: |');
for (const [type, { us }] of [...byType].sort((a, b) => b[1].us - a[1].us)) {
  console.log(`| ${type} | ${nodesOf(type)} | ${(us / sessions / 1000).toFixed(1)} | ${((100 * us) / totalUs).toFixed(1)} % |`);
}
console.log(`| total kernel time | ${byNode.size} | ${(totalUs / sessions / 1000).toFixed(1)} | |`);
console.log('\nslowest nodes (ms / run):');
for (const [name, n] of [...byNode].sort((a, b) => b[1].us - a[1].us).slice(0, 15)) {
  console.log(`  ${(n.us / n.count / 1000).toFixed(2).padStart(7)}  ${n.type.padEnd(12)} ${name.padEnd(16)} ${JSON.stringify(n.inputs)} → ${JSON.stringify(n.output)}`);
}

// Matrix products: achieved GFLOP/s, counting 2·M·N·K with K = the first input's last dim.
let flops = 0;
let matUs = 0;
for (const n of byNode.values()) {
  if (!['Gemm', 'MatMul', 'FusedMatMul'].includes(n.type) || !n.inputs[0]) continue;
  const k = n.inputs[0].at(-1);
  flops += 2 * k * n.output.reduce((a, b) => a * b, 1) * n.count;
  matUs += n.us;
}
console.log(`\nmatrix products: ${(flops / sessions / 1e9).toFixed(1)} GFLOP per run in ${(matUs / sessions / 1000).toFixed(0)} ms = ${(flops / (matUs * 1e3)).toFixed(0)} GFLOP/s`);
