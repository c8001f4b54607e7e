/**
 * `pnpm bench`, generation part: GPT-2-124M shape, every Node engine side by side with PyTorch (cached decode
 * in plain torch, bench/torch_generate.py) and transformers.js running attn.js's exported decoder on
 * onnxruntime-node, in one run. Not a test: it measures and reports.
 *
 *   node bench/generate.mjs [--engines ort-node,ort-web,tfjs-wasm,pytorch,transformers.js] [--json path]
 */
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CACHE, CHECKPOINTS } from './checkpoints.mjs';
import { DECODE_STEPS, LONG_CONTEXT, MEMORY_NEW_TOKENS, SEQUENCE_LENGTH } from './generation-inputs.mjs';
import { PYTHON, runJsonProcess } from './processes.mjs';

const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const { values: args } = parseArgs({
  options: {
    engines: { type: 'string', default: 'ort-node,ort-web,tfjs-wasm,pytorch,transformers.js' },
    json: { type: 'string', default: `${CACHE}generate-results.json` },
  },
});

function command(engine, task) {
  if (engine === 'pytorch') return [PYTHON, [here('./torch_generate.py'), CHECKPOINTS.gpt2.dir, task]];
  if (engine === 'transformers.js') return [process.execPath, [here('./tjs-generate-worker.mjs'), task]];
  return [process.execPath, [here('./generate-worker.mjs'), engine, task]];
}

async function measure(engine, task) {
  const [cmd, argv] = command(engine, task);
  return { engine, task, ...(await runJsonProcess(cmd, argv, { cwd: here('.') })) };
}

const engines = args.engines.split(',');
spawnSync(process.execPath, [here('./checkpoints.mjs'), 'gpt2'], { stdio: 'inherit' });
if (engines.includes('transformers.js')) spawnSync(process.execPath, [here('./tjs-generate-worker.mjs'), 'export'], { stdio: 'inherit' });

const results = {};
for (const engine of engines) {
  console.error(`\n${engine}: generation speed, then memory …`);
  results[engine] = { speed: await measure(engine, 'speed'), memory: await measure(engine, 'memory') };
}

const f = (x, digits = 1) => (x === undefined ? 'n/a' : x.toFixed(digits));
const torch = results.pytorch?.speed;
const rows = engines.map((engine) => {
  const { speed: s, memory: m } = results[engine];
  if (s.error) return `| ${engine} | failed: ${s.error.replaceAll('|', '\\|')} | | | | | | |`;
  const ratio = (x, y) => (x && y ? `${(x / y).toFixed(2)}×` : 'n/a');
  const speedUp = s.cachedStepMs ? `${(s.uncachedStepMs / s.cachedStepMs).toFixed(1)}×` : 'n/a';
  return `| ${engine} | ${f(s.prefillMs, 0)} | ${f(s.decode1TokensPerS)} (${ratio(s.decode1TokensPerS, torch?.decode1TokensPerS)}) | ${f(s.decode8TokensPerS)} (${ratio(s.decode8TokensPerS, torch?.decode8TokensPerS)}) | ${s.cachedStepMs ? `${f(s.cachedStepMs)} / ${f(s.uncachedStepMs)}` : 'n/a'} | ${speedUp} | ${m.error ? 'failed' : f(m.maxRssMB, 0)} (${m.error ? '' : ratio(m.maxRssMB, results.pytorch?.memory?.maxRssMB)}) |`;
});

const get = (engine, key, task = 'speed') => results[engine]?.[task]?.[key];
const verdict = (ok) => (ok === undefined ? 'not measured' : ok ? 'met' : 'NOT met');
const both = (a, b, test) => (a === undefined || b === undefined ? undefined : test(a, b));
const targets = [
  `- ort-node batch-1 decode ≥ 1.5× PyTorch: ${verdict(both(get('ort-node', 'decode1TokensPerS'), get('pytorch', 'decode1TokensPerS'), (a, b) => a >= 1.5 * b))}`,
  `- ort-node batch-8 decode ahead of PyTorch: ${verdict(both(get('ort-node', 'decode8TokensPerS'), get('pytorch', 'decode8TokensPerS'), (a, b) => a > b))}`,
  `- ort-node ahead of transformers.js (batch 1 and 8): ${verdict(both(get('ort-node', 'decode1TokensPerS'), get('transformers.js', 'decode1TokensPerS'), (a, b) => a > b && get('ort-node', 'decode8TokensPerS') > get('transformers.js', 'decode8TokensPerS')))}`,
  `- tfjs-wasm within 3× of ort-node (batch-1 decode): ${verdict(both(get('tfjs-wasm', 'decode1TokensPerS'), get('ort-node', 'decode1TokensPerS'), (a, b) => 3 * a >= b))}`,
  `- the cache ≥ 5× faster than recomputing at ${LONG_CONTEXT} (ort-node): ${verdict(both(get('ort-node', 'uncachedStepMs'), get('ort-node', 'cachedStepMs'), (a, b) => a >= 5 * b))}`,
  `- ort-node peak RSS ≤ 1.3× PyTorch's: ${verdict(both(get('ort-node', 'maxRssMB', 'memory'), get('pytorch', 'maxRssMB', 'memory'), (a, b) => a <= 1.3 * b))}`,
];

console.log([
  '',
  `### Generation, GPT-2-124M shape (greedy), ${os.cpus()[0]?.model ?? 'CPU'}, ${os.availableParallelism()} cores, load ${os.loadavg()[0].toFixed(1)} at the end`,
  '',
  `| engine | prefill 1×${SEQUENCE_LENGTH} (ms) | decode tokens/s, batch 1 (× PyTorch) | batch 8 (× PyTorch) | step at ${LONG_CONTEXT}: cached / uncached (ms) | cache speed-up | peak RSS MB: load → forward → labels → generate ${MEMORY_NEW_TOKENS} (× PyTorch) |`,
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows,
  '',
  `Decode: ${DECODE_STEPS} greedy steps after a ${SEQUENCE_LENGTH}-token prompt (batch 8: eight prompts; tokens/s counts every row).`,
  'PyTorch: plain torch with a KV cache, 1 thread (bench/torch_generate.py). transformers.js: 4.3 on onnxruntime-node, running the',
  'decoder attn.js exports. Peak RSS: each engine in its own process.',
  '',
  'Targets:',
  ...targets,
].join('\n'));
await writeFile(args.json, `${JSON.stringify(results, null, 2)}\n`);
