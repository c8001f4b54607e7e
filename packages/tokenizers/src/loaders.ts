import { TokenizerLoadError } from './errors.js';
import { asObject, parseJson, type JsonObject } from './json.js';
import type { SpecialTokenRole } from './special-tokens.js';
import type { TokenizerOptions } from './tokenizer.js';
import type { AddedTokenSpec, BPEFilesOptions, WordPieceVocabOptions } from './vocab-files.js';

/**
 * File and network access. Node APIs are reached through dynamic `import()` only, so the package
 * still bundles and runs in browsers, where only `fromUrl` / `fromJSON` apply.
 */
/**
 * Imports a Node built-in at run time. The specifier is not a literal, so browser bundlers leave it
 * alone instead of failing to resolve it; in a browser the call is never reached.
 */
export function importNodeBuiltin<T>(specifier: `node:${string}`): Promise<T> {
  return import(/* @vite-ignore */ /* webpackIgnore: true */ specifier) as Promise<T>;
}

async function nodeFs(): Promise<typeof import('node:fs/promises')> {
  try {
    return await importNodeBuiltin<typeof import('node:fs/promises')>('node:fs/promises');
  } catch (error) {
    throw new TokenizerLoadError('the file system', 'reading files needs Node.js; in a browser use Tokenizer.fromUrl or fromJSON', { cause: error });
  }
}

export async function readTextFile(path: string): Promise<string> {
  const fs = await nodeFs();
  try {
    return await fs.readFile(path, 'utf8');
  } catch (error) {
    throw new TokenizerLoadError(path, (error as Error).message, { cause: error });
  }
}

async function readOptional(dir: string, name: string): Promise<string | null> {
  const fs = await nodeFs();
  const path = `${dir.replace(/[\\/]+$/, '')}/${name}`;
  try {
    return await fs.readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new TokenizerLoadError(path, (error as Error).message, { cause: error });
  }
}

export async function fetchText(url: string, fetchImpl: typeof fetch = globalThis.fetch): Promise<string> {
  if (typeof fetchImpl !== 'function') throw new TokenizerLoadError(url, 'no fetch() available');
  let response: Response;
  try {
    response = await fetchImpl(url);
  } catch (error) {
    throw new TokenizerLoadError(url, (error as Error).message, { cause: error });
  }
  if (!response.ok) throw new TokenizerLoadError(url, `HTTP ${response.status} ${response.statusText}`);
  return response.text();
}

const ROLES: Record<string, SpecialTokenRole> = {
  bos_token: 'bos',
  eos_token: 'eos',
  unk_token: 'unk',
  sep_token: 'sep',
  pad_token: 'pad',
  cls_token: 'cls',
  mask_token: 'mask',
};

/** A token in tokenizer_config.json / special_tokens_map.json: a string or an AddedToken dict. */
function tokenContent(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as JsonObject).content === 'string') return (value as JsonObject).content as string;
  return null;
}

export interface DirectoryContents {
  tokenizerJson: string | null;
  vocab: string;
  merges: string | null;
  options: TokenizerOptions;
  bpeOptions: BPEFilesOptions;
  wordPieceOptions: WordPieceVocabOptions;
}

/** Reads what a Hugging Face model folder has for its tokenizer. */
export async function readDirectory(dir: string): Promise<DirectoryContents> {
  const [tokenizerJson, configText, mapText] = await Promise.all([
    readOptional(dir, 'tokenizer.json'),
    readOptional(dir, 'tokenizer_config.json'),
    readOptional(dir, 'special_tokens_map.json'),
  ]);
  const config = configText === null ? {} : asObject(parseJson(configText, 'tokenizer_config.json'), 'tokenizer_config.json');
  const map = mapText === null ? {} : asObject(parseJson(mapText, 'special_tokens_map.json'), 'special_tokens_map.json');
  const specialTokens: Partial<Record<SpecialTokenRole, string>> = {};
  for (const source of [map, config]) {
    for (const key of Object.keys(ROLES)) {
      const content = tokenContent(source[key]);
      if (content !== null) specialTokens[ROLES[key]] = content;
    }
  }
  const options: TokenizerOptions = {
    specialTokens,
    cleanUpTokenizationSpaces: typeof config.clean_up_tokenization_spaces === 'boolean' ? config.clean_up_tokenization_spaces : undefined,
    modelMaxLength: typeof config.model_max_length === 'number' ? config.model_max_length : null,
  };
  // added_tokens_decoder: {"50256": {"content": "<|endoftext|>", "special": true, …}}
  const addedTokens: AddedTokenSpec[] = [];
  const decoderEntries = config.added_tokens_decoder;
  if (decoderEntries && typeof decoderEntries === 'object') {
    for (const value of Object.values(decoderEntries as JsonObject)) {
      const entry = value as JsonObject;
      if (typeof entry?.content !== 'string') continue;
      addedTokens.push({
        content: entry.content,
        special: entry.special === true,
        normalized: typeof entry.normalized === 'boolean' ? entry.normalized : entry.special !== true,
        lstrip: entry.lstrip === true,
        rstrip: entry.rstrip === true,
        singleWord: entry.single_word === true,
      });
    }
  }
  if (tokenizerJson !== null) {
    return { tokenizerJson, vocab: '', merges: null, options, bpeOptions: {}, wordPieceOptions: {} };
  }
  const [vocabJson, merges, vocabTxt] = await Promise.all([
    readOptional(dir, 'vocab.json'),
    readOptional(dir, 'merges.txt'),
    readOptional(dir, 'vocab.txt'),
  ]);
  if (vocabJson !== null && merges !== null) {
    const bpeOptions: BPEFilesOptions = {
      addPrefixSpace: config.add_prefix_space === true,
      ...(addedTokens.length > 0 ? { addedTokens } : {}),
    };
    return { tokenizerJson: null, vocab: vocabJson, merges, options, bpeOptions, wordPieceOptions: {} };
  }
  if (vocabTxt !== null) {
    const wordPieceOptions: WordPieceVocabOptions = {
      lowercase: typeof config.do_lower_case === 'boolean' ? config.do_lower_case : true,
      stripAccents: typeof config.strip_accents === 'boolean' ? config.strip_accents : null,
      handleChineseChars: typeof config.tokenize_chinese_chars === 'boolean' ? config.tokenize_chinese_chars : true,
      ...(specialTokens.unk ? { unkToken: specialTokens.unk } : {}),
      ...(specialTokens.cls ? { clsToken: specialTokens.cls } : {}),
      ...(specialTokens.sep ? { sepToken: specialTokens.sep } : {}),
      ...(specialTokens.pad ? { padToken: specialTokens.pad } : {}),
      ...(specialTokens.mask ? { maskToken: specialTokens.mask } : {}),
      addedTokens: addedTokens.filter((t) => typeof t !== 'string' && !Object.values(specialTokens).includes(t.content)),
    };
    return { tokenizerJson: null, vocab: vocabTxt, merges: null, options, bpeOptions: {}, wordPieceOptions };
  }
  throw new TokenizerLoadError(dir, 'no tokenizer.json, vocab.json + merges.txt, or vocab.txt in this folder');
}
