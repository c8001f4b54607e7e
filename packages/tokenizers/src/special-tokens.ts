import type { AddedToken } from './added-vocabulary.js';
import type { Model } from './models/index.js';
import { BertProcessing, RobertaProcessing, TemplateProcessing, PostProcessorSequence, type PostProcessor } from './post-processors/index.js';
import type { PaddingParams } from './options.js';

export type SpecialTokenRole = 'bos' | 'eos' | 'unk' | 'sep' | 'pad' | 'cls' | 'mask';
export type SpecialTokens = Partial<Record<SpecialTokenRole, { token: string; id: number }>>;

const CONVENTIONAL: Record<SpecialTokenRole, readonly string[]> = {
  bos: ['<s>', '<|endoftext|>', '<bos>', '[BOS]'],
  eos: ['</s>', '<|endoftext|>', '<eos>', '[EOS]'],
  unk: ['[UNK]', '<unk>'],
  sep: ['[SEP]', '</s>'],
  pad: ['[PAD]', '<pad>'],
  cls: ['[CLS]', '<s>'],
  mask: ['[MASK]', '<mask>'],
};

function firstProcessor<T extends PostProcessor>(processor: PostProcessor | null, type: new (...args: never[]) => T): T | null {
  if (processor instanceof type) return processor;
  if (processor instanceof PostProcessorSequence) {
    for (const p of processor.processors) {
      const found = firstProcessor(p, type);
      if (found) return found;
    }
  }
  return null;
}

/**
 * Which token plays which role. Explicit names (tokenizer_config.json / special_tokens_map.json, or
 * the `specialTokens` option) win; otherwise roles come from the tokenizer.json itself: the model's
 * unknown token, the post-processor's [CLS]/[SEP], the padding token, then conventional names among
 * the added tokens.
 */
export function resolveSpecialTokens(
  explicit: Partial<Record<SpecialTokenRole, string>>,
  model: Model,
  postProcessor: PostProcessor | null,
  padding: PaddingParams | null,
  added: readonly AddedToken[],
  tokenToId: (token: string) => number | undefined,
): SpecialTokens {
  const names: Partial<Record<SpecialTokenRole, string>> = {};
  if (model.unkToken) names.unk = model.unkToken;
  const bert = firstProcessor(postProcessor, BertProcessing) ?? firstProcessor(postProcessor, RobertaProcessing);
  if (bert) {
    names.cls = bert.cls[0];
    names.sep = bert.sep[0];
  }
  const template = firstProcessor(postProcessor, TemplateProcessing);
  if (template) {
    const specials = template.single.filter((p) => p.kind === 'special');
    const first = template.single[0];
    const last = template.single[template.single.length - 1];
    if (first?.kind === 'special') names.cls = template.specialTokens.get(first.name)?.tokens[0];
    if (last?.kind === 'special' && specials.length > 1) names.sep = template.specialTokens.get(last.name)?.tokens[0];
  }
  if (padding?.padToken) names.pad = padding.padToken;
  const addedContents = new Set(added.map((t) => t.content));
  for (const role of Object.keys(CONVENTIONAL) as SpecialTokenRole[]) {
    if (names[role]) continue;
    const found = CONVENTIONAL[role].find((name) => addedContents.has(name));
    if (found) names[role] = found;
  }
  Object.assign(names, explicit);
  const resolved: SpecialTokens = {};
  for (const role of Object.keys(names) as SpecialTokenRole[]) {
    const token = names[role];
    if (!token) continue;
    const id = tokenToId(token);
    if (id !== undefined) resolved[role] = { token, id };
  }
  return resolved;
}
