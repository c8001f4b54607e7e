/**
 * Checkpoints as users bring them: GPT-2 saved by GPT2Model (no `transformer.` prefix) in float16, and
 * BERT with TF-era `gamma`/`beta` LayerNorm names. Both load and still match the float64 references.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BertModel } from '@attnjs/bert';
import { createTfjsBackend } from '@attnjs/backend-tfjs';
import { type Backend, type HostTensor, readSafetensors, writeSafetensors } from '@attnjs/core';
import { GPT2LMHeadModel } from '@attnjs/gpt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TOLERANCE, expectClose, fixtureDir, readReference, rows } from './reference.js';

let backend: Backend;
const dirs: string[] = [];
beforeAll(async () => {
  backend = await createTfjsBackend({ device: 'wasm' });
});
afterAll(async () => {
  await backend.dispose();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** float32 → IEEE half bits, round to nearest even (normal range is enough for these weights). */
function toHalf(value: number): number {
  const f = new Float32Array([value]);
  const bits = new Uint32Array(f.buffer)[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  if (exponent <= 0) return sign; // below half's normal range: ±0 (the file then holds 0, and that is what must load)
  let mantissa = bits & 0x7fffff;
  let half = sign | (exponent << 10) | (mantissa >>> 13);
  mantissa &= 0x1fff;
  if (mantissa > 0x1000 || (mantissa === 0x1000 && (half & 1) === 1)) half++;
  return half;
}

/** A safetensors file of F16 tensors, written by hand (the library's writer emits F32/I32 only). */
function f16Safetensors(tensors: Map<string, HostTensor>): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const [name, t] of tensors) {
    header[name] = { dtype: 'F16', shape: t.shape, data_offsets: [offset, offset + 2 * t.data.length] };
    offset += 2 * t.data.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const bytes = new Uint8Array(8 + json.length + offset);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
  bytes.set(new TextEncoder().encode(json), 8);
  const view = new DataView(bytes.buffer, 8 + json.length);
  let at = 0;
  for (const t of tensors.values()) for (const v of t.data) view.setUint16((at += 2) - 2, toHalf(v), true);
  return bytes;
}

it('GPT-2 without the `transformer.` prefix, stored as F16', async () => {
  const file = await readSafetensors(join(fixtureDir('gpt2-tiny'), 'model.safetensors'));
  const unprefixed = new Map([...file.tensors].map(([k, t]) => [k.replace(/^transformer\./, ''), t.tensor] as const));
  const dir = mkdtempSync(join(tmpdir(), 'attn-f16-'));
  dirs.push(dir);
  copyFileSync(join(fixtureDir('gpt2-tiny'), 'config.json'), join(dir, 'config.json'));
  writeFileSync(join(dir, 'model.safetensors'), f16Safetensors(unprefixed));

  const model = await GPT2LMHeadModel.fromPretrained(dir, { backend });
  expect(model.transformer.wte.weight.value.data[0]).toBe(toFloat16Rounded(file.tensors.get('transformer.wte.weight')!.tensor.data[0]!));
  const [c] = readReference('gpt2-tiny').cases;
  const out = await model.forward({ inputIds: c.input_ids, attentionMask: c.attention_mask, labels: c.labels });
  // Weights rounded to 11 significant bits move the logits by ~1e-4 here; the loss barely moves.
  c.lengths.forEach((length: number, b: number) => expectClose(rows(out.logits!, b, length), c.float64.logits[b], 1e-3, `logits[${b}]`));
  expectClose([out.loss!], [c.float64.loss], 1e-3, 'loss');
  model.dispose();
});

it('BERT with TF-era LayerNorm names (gamma / beta)', async () => {
  const file = await readSafetensors(join(fixtureDir('bert-tiny'), 'model.safetensors'));
  const legacy = new Map(
    [...file.tensors].map(([k, t]) => [k.replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta'), t.tensor] as const),
  );
  expect([...legacy.keys()].some((k) => k.endsWith('.gamma'))).toBe(true);
  const dir = mkdtempSync(join(tmpdir(), 'attn-legacy-'));
  dirs.push(dir);
  copyFileSync(join(fixtureDir('bert-tiny'), 'config.json'), join(dir, 'config.json'));
  await writeSafetensors(join(dir, 'model.safetensors'), legacy);

  const model = await BertModel.fromPretrained(dir, { backend });
  const [c] = readReference('bert-tiny').cases;
  const out = await model.forward({ inputIds: c.input_ids, attentionMask: c.attention_mask, tokenTypeIds: c.token_type_ids });
  c.lengths.forEach((length: number, b: number) =>
    expectClose(rows(out.lastHiddenState, b, length), c.float64.sequence_output[b], TOLERANCE.normal, `sequence_output[${b}]`),
  );
  expectClose(out.poolerOutput!.data, c.float64.pooled_output, TOLERANCE.normal, 'pooled_output');
  model.dispose();
});

/** The float32 value of `value` rounded to half precision, computed independently of the reader under test. */
function toFloat16Rounded(value: number): number {
  const half = toHalf(value);
  const exponent = (half >> 10) & 0x1f;
  const mantissa = half & 0x3ff;
  const sign = half & 0x8000 ? -1 : 1;
  return sign * 2 ** (exponent - 15) * (1 + mantissa / 1024);
}
