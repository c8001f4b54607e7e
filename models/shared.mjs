/** What the default models' scripts share: the data split and writing a Hugging Face model folder. */
import { readdir, rename, rm, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { serializeSafetensors } from '@attnjs/core';

/** nanoGPT's split of tinyshakespeare: the first 90 % of the characters train, the last 10 % validate. */
export function splitShakespeare(text) {
  const cut = Math.floor(text.length * 0.9);
  return { train: text.slice(0, cut), val: text.slice(cut) };
}

/** config.json, model.safetensors (Hugging Face names, F32), tokenizer.json and generation_config.json. */
export async function writeModelFolder(dir, { config, weights, tokenizer, generationConfig }) {
  const files = [
    ['config.json', `${JSON.stringify(config, null, 2)}\n`],
    ['model.safetensors', serializeSafetensors(weights, { format: 'pt' })],
    ['tokenizer.json', `${JSON.stringify(tokenizer)}\n`],
  ];
  if (generationConfig) files.push(['generation_config.json', `${JSON.stringify(generationConfig, null, 2)}\n`]);
  for (const [name, contents] of files) {
    await writeFile(`${dir}/${name}.tmp`, contents);
    await rename(`${dir}/${name}.tmp`, `${dir}/${name}`);
  }
}

/** Removes every checkpoint-<step> folder under `runDir` but the newest. */
export async function keepLatestCheckpoint(runDir) {
  const steps = (await readdir(runDir)).map((n) => /^checkpoint-(\d+)$/.exec(n)).filter(Boolean).map((m) => Number(m[1]));
  const newest = Math.max(...steps);
  for (const step of steps) if (step !== newest) await rm(`${runDir}/checkpoint-${step}`, { recursive: true, force: true });
}

/** SST-2's GLUE TSV (a `text\tlabel` header, then one row per line) as { sentence, label } rows. */
export function readSst2(tsv) {
  const lines = tsv.split('\n').filter((line) => line.length > 0);
  if (lines[0] !== 'text\tlabel') throw new Error(`SST-2 TSV: unexpected header ${JSON.stringify(lines[0])}`);
  return lines.slice(1).map((line, i) => {
    const tab = line.lastIndexOf('\t');
    const label = Number(line.slice(tab + 1));
    if (tab < 0 || (label !== 0 && label !== 1)) throw new Error(`SST-2 TSV line ${i + 2}: no 0/1 label`);
    return { sentence: line.slice(0, tab).trim(), label };
  });
}

/** The Node engines by the names the tests and benchmarks use. */
export const ENGINE_NAMES = ['tfjs-cpu', 'tfjs-wasm', 'ort-web', 'ort-node'];

export async function createEngine(name) {
  switch (name) {
    case 'tfjs-cpu':
    case 'tfjs-wasm': {
      const { createTfjsBackend } = await import('@attnjs/backend-tfjs');
      return createTfjsBackend({ device: name.slice(5) });
    }
    case 'ort-web': {
      const { createOrtBackend } = await import('@attnjs/backend-ort');
      return createOrtBackend();
    }
    case 'ort-node': {
      const { createOrtBackend } = await import('@attnjs/backend-ort');
      return createOrtBackend({ ort: await import('onnxruntime-node') });
    }
    default:
      throw new Error(`unknown engine "${name}"; one of ${ENGINE_NAMES.join(', ')}`);
  }
}

/**
 * The command line of an evaluate.mjs script, when it is the script Node runs: `--model` (default: the
 * script's folder), `--engine` (default tfjs-wasm), `--data`, `--json`; prints `describe(result)` or the JSON.
 */
export async function runEvaluation(scriptUrl, defaultData, evaluate, describe) {
  if (scriptUrl !== `file://${process.argv[1]}`) return;
  const { values: args } = parseArgs({
    options: {
      model: { type: 'string', default: new URL('.', scriptUrl).pathname },
      engine: { type: 'string', default: 'tfjs-wasm' },
      data: { type: 'string', default: new URL(defaultData, scriptUrl).pathname },
      json: { type: 'boolean', default: false },
    },
  });
  const result = await evaluate({ model: args.model.replace(/\/+$/, ''), engine: args.engine, data: args.data });
  console.log(args.json ? JSON.stringify(result) : describe(result));
}
