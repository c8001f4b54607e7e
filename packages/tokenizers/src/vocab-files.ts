import type { AddedToken } from './added-vocabulary.js';
import { ByteLevelDecoder, WordPieceDecoder } from './decoders/index.js';
import { TokenizerConfigError, TokenizerOptionError } from './errors.js';
import { describeValue, parseJson, vocabField } from './json.js';
import { BPE, WordPiece } from './models/index.js';
import { BertNormalizer } from './normalizers/index.js';
import { ByteLevelPostProcessor, TemplateProcessing } from './post-processors/index.js';
import { BertPreTokenizer, ByteLevelPreTokenizer } from './pre-tokenizers/index.js';
import type { TokenizerParts } from './tokenizer.js';

/** An added token given by its text, with HF's defaults for the flags left out. */
export type AddedTokenSpec = string | (Partial<Omit<AddedToken, 'id'>> & { content: string });

export interface BPEFilesOptions {
  /** GPT-2's `add_prefix_space` (RoBERTa-style). Default false. */
  addPrefixSpace?: boolean;
  /** Unknown token of the model; GPT-2 has none (every byte is in the vocabulary). */
  unkToken?: string | null;
  /** Tokens to match in text before tokenizing. Default: `<|endoftext|>` when the vocabulary has it. */
  addedTokens?: readonly AddedTokenSpec[];
}

export interface WordPieceVocabOptions {
  /** Uncased models lowercase (default true). */
  lowercase?: boolean;
  /** null (default) follows `lowercase`, as in BERT. */
  stripAccents?: boolean | null;
  handleChineseChars?: boolean;
  unkToken?: string;
  clsToken?: string;
  sepToken?: string;
  padToken?: string;
  maskToken?: string;
  maxInputCharsPerWord?: number;
  /** Extra tokens to match in text; the five BERT specials are always added when present. */
  addedTokens?: readonly AddedTokenSpec[];
}

function resolveAdded(specs: readonly AddedTokenSpec[], tokenToId: (token: string) => number | undefined, source: string, specialDefault: boolean): AddedToken[] {
  return specs.map((spec) => {
    const given = typeof spec === 'string' ? { content: spec } : spec;
    const special = given.special ?? specialDefault;
    const id = tokenToId(given.content);
    if (id === undefined) {
      throw new TokenizerConfigError(source, `added token ${JSON.stringify(given.content)} is not in the vocabulary`);
    }
    return {
      id,
      content: given.content,
      singleWord: given.singleWord ?? false,
      lstrip: given.lstrip ?? false,
      rstrip: given.rstrip ?? false,
      normalized: given.normalized ?? !special,
      special,
    };
  });
}

/** merges.txt: an optional `#version` line, then one "left right" pair per line. */
export function parseMergesTxt(text: string): Array<[string, string]> {
  const merges: Array<[string, string]> = [];
  const lines = text.split('\n');
  lines.forEach((raw, k) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.length === 0 || (k === 0 && line.startsWith('#version'))) return;
    const parts = line.split(' ');
    if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
      throw new TokenizerConfigError(`merges.txt line ${k + 1}`, `expected "left right", got ${JSON.stringify(line)}`);
    }
    merges.push([parts[0], parts[1]]);
  });
  return merges;
}

/** vocab.txt: one token per line, the id is the line number. */
export function parseVocabTxt(text: string): Map<string, number> {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const vocab = new Map<string, number>();
  lines.forEach((line, id) => vocab.set(line.trimEnd(), id));
  return vocab;
}

/** GPT-2's tokenizer as transformers' converter builds it from vocab.json and merges.txt. */
export function bpeParts(vocabJson: string | Record<string, number>, mergesTxt: string, options: BPEFilesOptions = {}): TokenizerParts {
  if (typeof mergesTxt !== 'string') throw new TokenizerOptionError('mergesTxt', `expected the text of merges.txt, got ${describeValue(mergesTxt)}`);
  const raw = typeof vocabJson === 'string' ? parseJson(vocabJson, 'vocab.json') : vocabJson;
  const vocab = vocabField({ vocab: raw }, 'vocab', 'vocab.json');
  const model = new BPE(vocab, parseMergesTxt(mergesTxt), { unkToken: options.unkToken ?? null });
  const addPrefixSpace = options.addPrefixSpace ?? false;
  const specs = options.addedTokens ?? (vocab.has('<|endoftext|>') ? [{ content: '<|endoftext|>', special: true, normalized: true }] : []);
  return {
    model,
    preTokenizer: new ByteLevelPreTokenizer(addPrefixSpace, true),
    postProcessor: new ByteLevelPostProcessor(false, addPrefixSpace),
    decoder: new ByteLevelDecoder(),
    addedTokens: resolveAdded(specs, (t) => vocab.get(t), 'addedTokens', true),
  };
}

/** BERT's tokenizer as transformers' converter builds it from vocab.txt. */
export function wordPieceParts(vocabTxt: string | Map<string, number>, options: WordPieceVocabOptions = {}): TokenizerParts {
  if (typeof vocabTxt !== 'string' && !(vocabTxt instanceof Map)) {
    throw new TokenizerOptionError('vocabTxt', `expected the text of vocab.txt, got ${describeValue(vocabTxt)}`);
  }
  const vocab = typeof vocabTxt === 'string' ? parseVocabTxt(vocabTxt) : vocabTxt;
  const unk = options.unkToken ?? '[UNK]';
  const cls = options.clsToken ?? '[CLS]';
  const sep = options.sepToken ?? '[SEP]';
  const model = new WordPiece(vocab, { unkToken: unk, maxInputCharsPerWord: options.maxInputCharsPerWord ?? 100 });
  const lowercase = options.lowercase ?? true;
  const idOf = (token: string, option: string) => {
    const id = vocab.get(token);
    if (id === undefined) throw new TokenizerConfigError(option, `${JSON.stringify(token)} is not in vocab.txt`);
    return id;
  };
  const specials = [options.padToken ?? '[PAD]', unk, cls, sep, options.maskToken ?? '[MASK]'].filter((t) => vocab.has(t));
  const added = resolveAdded([...specials, ...(options.addedTokens ?? [])], (t) => vocab.get(t), 'addedTokens', true);
  added.sort((a, b) => a.id - b.id);
  const special = (token: string, option: string) => ({ ids: [idOf(token, option)], tokens: [token] });
  return {
    model,
    normalizer: new BertNormalizer({ cleanText: true, handleChineseChars: options.handleChineseChars ?? true, stripAccents: options.stripAccents ?? null, lowercase }),
    preTokenizer: new BertPreTokenizer(),
    postProcessor: new TemplateProcessing(
      [
        { kind: 'special', name: cls, typeId: 0 },
        { kind: 'sequence', sequence: 'A', typeId: 0 },
        { kind: 'special', name: sep, typeId: 0 },
      ],
      [
        { kind: 'special', name: cls, typeId: 0 },
        { kind: 'sequence', sequence: 'A', typeId: 0 },
        { kind: 'special', name: sep, typeId: 0 },
        { kind: 'sequence', sequence: 'B', typeId: 1 },
        { kind: 'special', name: sep, typeId: 1 },
      ],
      new Map([
        [cls, special(cls, 'clsToken')],
        [sep, special(sep, 'sepToken')],
      ]),
    ),
    decoder: new WordPieceDecoder('##', true),
    addedTokens: added,
  };
}
