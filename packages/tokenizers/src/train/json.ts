import { importNodeBuiltin } from '../loaders.js';

/** The parts of HF's tokenizer.json the trainers write. Field names are HF's (snake_case) on purpose. */
export interface AddedTokenJSON {
  id: number;
  content: string;
  single_word: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
  special: boolean;
}

export interface TrainedTokenizerJSON {
  version: '1.0';
  truncation: null;
  padding: null;
  added_tokens: AddedTokenJSON[];
  normalizer: Record<string, unknown> | null;
  pre_tokenizer: Record<string, unknown> | null;
  post_processor: Record<string, unknown> | null;
  decoder: Record<string, unknown> | null;
  model: Record<string, unknown> & { type: 'BPE' | 'WordPiece'; vocab: Record<string, number> };
}

/**
 * `{ token: id }` in id order (HF writes vocabularies sorted by id). No prototype, so a token such
 * as `__proto__` (a word of any code corpus) is an ordinary key.
 */
export function vocabObject(idToToken: readonly string[]): Record<string, number> {
  const vocab: Record<string, number> = Object.create(null);
  idToToken.forEach((token, id) => {
    vocab[token] = id;
  });
  return vocab;
}

/** Special tokens as HF's trainer registers them: special, not normalized, no stripping. */
export function specialAddedTokens(specialTokens: readonly string[], idToToken: readonly string[]): AddedTokenJSON[] {
  return specialTokens.map((content) => ({
    id: idToToken.indexOf(content),
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  }));
}

/**
 * Saves a tokenizer.json (Node only; `node:fs` is imported on use). Pretty-printed by default,
 * as `tokenizer.save(path, pretty=True)` writes it.
 */
export async function saveTokenizerJSON(
  tokenizer: TrainedTokenizerJSON,
  path: string,
  options: { pretty?: boolean } = {},
): Promise<void> {
  const { writeFile } = await importNodeBuiltin<typeof import('node:fs/promises')>('node:fs/promises');
  await writeFile(path, JSON.stringify(tokenizer, null, options.pretty === false ? undefined : 2) + '\n', 'utf8');
}
