/**
 * The default models in models/ meet the numbers the issue sets and the model cards state, measured here by
 * the same scripts whose output is in the model cards: tinyshakespeare's last 10 % (never trained on) in nats
 * per character, SST-2 dev (never trained on, never used to choose the checkpoint) in accuracy. Two engines
 * (a TF.js one and an ONNX Runtime one) measure each, and must agree.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain ES modules (scripts), no type declarations
import { evaluateShakespeare } from '../models/shakespeare-gpt/evaluate.mjs';
// @ts-expect-error: plain ES modules (scripts), no type declarations
import { evaluateSst2 } from '../models/sst2-bert/evaluate.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ENGINES = ['tfjs-wasm', 'ort-node'];
/** ~800 forwards of 128 tokens: about a minute on tfjs-wasm, several on a busy machine. */
const SLOW = 600_000;
/** What models/<name>/README.md states, read from its "Measured" line. */
function stated(name: string, pattern: RegExp): number {
  const match = pattern.exec(readFileSync(`${ROOT}models/${name}/README.md`, 'utf8'));
  expect(match, `models/${name}/README.md states its result`).not.toBeNull();
  return Number(match![1]);
}

/** The root README's table of default models shows the same figure. */
function expectRootReadmeStates(name: string, figure: string): void {
  const row = readFileSync(`${ROOT}README.md`, 'utf8').split('\n').find((line) => line.includes(`(models/${name})`));
  expect(row, `README.md has a row for models/${name}`).toBeDefined();
  expect(row).toContain(figure);
}

describe('models/shakespeare-gpt', () => {
  const claimed = stated('shakespeare-gpt', /Measured: \*\*(\d\.\d{4}) nats per character\*\*/);
  it('the root README states the same figure', () => expectRootReadmeStates('shakespeare-gpt', `${claimed.toFixed(4)} nats per character`));
  for (const engine of ENGINES) {
    it(`≤ 1.70 nats per character on the held-out 10 % (${engine}), as its README states`, async () => {
      const result = await evaluateShakespeare({ model: `${ROOT}models/shakespeare-gpt`, engine, data: `${ROOT}data/tinyshakespeare.txt` });
      expect(result.characters).toBe(111539); // the last 10 % of 1,115,394 characters, less the first token's one
      expect(result.natsPerCharacter).toBeLessThanOrEqual(1.7);
      expect(Math.abs(result.natsPerCharacter - claimed)).toBeLessThan(1e-4);
    }, SLOW);
  }
});

describe('models/sst2-bert', () => {
  const claimed = stated('sst2-bert', /Measured: \*\*(\d+\.\d{2}) % accuracy\*\*/);
  it('the root README states the same figure', () => expectRootReadmeStates('sst2-bert', `${claimed.toFixed(2)} % accuracy`));
  for (const engine of ENGINES) {
    it(`≥ 80 % accuracy on SST-2 dev (${engine}), as its README states`, async () => {
      const result = await evaluateSst2({ model: `${ROOT}models/sst2-bert`, engine, data: `${ROOT}data/sst2/dev.tsv` });
      expect(result.sentences).toBe(872);
      expect(result.accuracy).toBeGreaterThanOrEqual(0.8);
      expect((100 * result.accuracy).toFixed(2)).toBe(claimed.toFixed(2));
    }, SLOW);
  }
});
