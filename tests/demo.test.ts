/**
 * `pnpm demo` (examples/demo.mjs) prints what the README shows, on the default engine and on another, and
 * what it prints is right: the generated text, the fill-mask candidates and the sentiment scores equal a NumPy
 * float64 computation over the committed weights (tests/readme-reference/demo_reference.py, which first
 * reproduces the PyTorch fixtures and tokenizes without attn.js).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
// biome-ignore lint: reference files are free-form JSON
const REFERENCE: any = JSON.parse(readFileSync(new URL('./readme-reference/demo-reference.json', import.meta.url), 'utf8'));
/** Printed probabilities have 3 decimals: within half a unit of the last digit (plus float32 noise). */
const PRINTED = 0.0005 + 1e-5;

function demo(engine: string): string[] {
  return execFileSync(process.execPath, ['examples/demo.mjs', '--engine', engine], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 })
    .trimEnd()
    .split('\n');
}

/** The lines after the header line that starts with `title`, up to the next blank line. */
function section(lines: string[], title: string): string[] {
  const start = lines.findIndex((line) => line.startsWith(title));
  expect(start, `the demo prints a "${title}" section`).toBeGreaterThanOrEqual(0);
  const end = lines.indexOf('', start);
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

/** "  text   → a 0.123, b 0.045" → [text, [[a, 0.123], [b, 0.045]]] */
function scored(line: string): [string, [string, number][]] {
  const [text, shown] = line.split(' → ');
  // A candidate is "<token> <score>"; a token may itself be "," (so no splitting on ", ").
  const pairs = [...shown!.matchAll(/(\S+) (\d+\.\d{3})(?:, |$)/g)].map((m) => [m[1]!, Number(m[2])] as [string, number]);
  return [text!.trim(), pairs];
}

function checkAgainstReference(lines: string[]): void {
  const gpt = REFERENCE.shakespeare;
  expect(gpt.min_margin, 'greedy picks are not near-ties, so float32 engines must agree with float64').toBeGreaterThan(1e-3);
  const text = section(lines, `shakespeare-gpt, prompt ${JSON.stringify(gpt.prompt)}`).map((line) => line.replace(/^ {2}\| ?/, ''));
  expect(text.join('\n')).toBe(gpt.text.trimEnd());

  const fills = section(lines, 'sst2-bert/pretrained, fill-mask').map(scored);
  expect(fills.map(([text]) => text)).toEqual(REFERENCE.fill_mask.map((f: { text: string }) => f.text));
  fills.forEach(([, top], i) => {
    const want = REFERENCE.fill_mask[i].top as [string, number][];
    expect(top.map(([token]) => token)).toEqual(want.map(([token]) => token));
    top.forEach(([, p], k) => expect(Math.abs(p - want[k]![1])).toBeLessThanOrEqual(PRINTED));
  });

  const sentiment = section(lines, 'sst2-bert, sentiment').map(scored);
  expect(sentiment.map(([text]) => text)).toEqual(REFERENCE.sentiment.map((s: { text: string }) => s.text));
  sentiment.forEach(([, [[label, score]]], i) => {
    expect(label).toBe(REFERENCE.sentiment[i].label);
    expect(Math.abs(score! - REFERENCE.sentiment[i].score)).toBeLessThanOrEqual(PRINTED);
  });
}

describe('pnpm demo', () => {
  it('prints, on the default engine, exactly the output the README shows, and it matches NumPy float64', () => {
    const lines = demo('tfjs-wasm');
    checkAgainstReference(lines);
    const readme = readFileSync(`${ROOT}README.md`, 'utf8');
    const shown = /<!-- demo-output -->\n```text\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(shown, 'README.md shows the demo output in a ```text block after <!-- demo-output -->').toBeDefined();
    expect(shown!.trimEnd().split('\n')).toEqual(lines);
  });

  it('prints the same answers on ONNX Runtime (--engine ort-node)', () => {
    const lines = demo('ort-node');
    expect(lines[0]).toContain('ort-node');
    checkAgainstReference(lines);
  });

  it('refuses an unknown engine, saying which exist', () => {
    expect(() => execFileSync(process.execPath, ['examples/demo.mjs', '--engine', 'tpu'], { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' })).toThrow(
      /--engine must be one of tfjs-cpu, tfjs-wasm, ort-web, ort-node/,
    );
  });
});
