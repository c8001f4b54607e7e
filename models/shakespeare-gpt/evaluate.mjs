/**
 * Measures models/shakespeare-gpt on the last 10 % of tinyshakespeare (never trained on): nats per character,
 * the quantity nanoGPT reports for its character-level models, so the two compare across tokenizations.
 *
 *   node models/shakespeare-gpt/evaluate.mjs [--model models/shakespeare-gpt] [--engine tfjs-wasm] [--json]
 *
 * The validation text is tokenized whole and scored with overlapping windows of the model's context (stride
 * half of it): every token but the first is predicted exactly once, from at least half a context of history.
 * Nats per character = the summed negative log-likelihood / the characters those tokens spell.
 */
import { readFile } from 'node:fs/promises';
import { GPT2LMHeadModel } from '@attnjs/gpt';
import { Tokenizer } from '@attnjs/tokenizers';
import { createEngine, runEvaluation, splitShakespeare } from '../shared.mjs';

export async function evaluateShakespeare({ model: dir, engine, data }) {
  const { val } = splitShakespeare(await readFile(data, 'utf8'));
  const tokenizer = await Tokenizer.fromFile(`${dir}/tokenizer.json`);
  const backend = await createEngine(engine);
  const model = await GPT2LMHeadModel.fromPretrained(dir, { backend });
  try {
    const ids = tokenizer.encode(val).ids;
    const context = model.config.nPositions;
    const stride = context / 2;
    let nats = 0;
    let scored = 0;
    const windows = [];
    for (let start = 0; start + 1 < ids.length; start += stride) {
      const end = Math.min(start + context, ids.length);
      // Positions before `firstScored` were scored by the previous window.
      const firstScored = start === 0 ? 1 : context - stride;
      windows.push({ start, end, firstScored });
      if (end === ids.length) break;
    }
    for (const { start, end, firstScored } of windows) {
      const row = ids.slice(start, end);
      const labels = row.map((id, t) => (t >= firstScored ? id : -100));
      const { loss } = await model.forward({ inputIds: [row], labels: [labels] });
      const count = row.length - firstScored;
      nats += loss * count;
      scored += count;
    }
    const firstTokenChars = tokenizer.decode([ids[0]]).length;
    const characters = val.length - firstTokenChars;
    return { natsPerCharacter: nats / characters, natsPerToken: nats / scored, tokens: ids.length, characters, engine };
  } finally {
    model.dispose();
    await backend.dispose();
  }
}

await runEvaluation(
  import.meta.url,
  '../../data/tinyshakespeare.txt',
  evaluateShakespeare,
  (r) =>
    `validation (last 10 % of tinyshakespeare, ${r.characters} characters, ${r.tokens} tokens) on ${r.engine}\n` +
    `${r.natsPerCharacter.toFixed(4)} nats per character (${r.natsPerToken.toFixed(4)} per token)`,
);
