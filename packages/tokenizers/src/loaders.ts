import { TokenizerLoadError } from './errors.js';
import { asObject, parseJson, type JsonObject } from './json.js';
import type { SpecialTokenRole } from './special-tokens.js';
import type { TokenizerOptions } from './tokenizer.js';
import { joinLocation, locate, readOptionalSource, type ReadOptions } from './sources.js';
import type { AddedTokenSpec, BPEFilesOptions, WordPieceVocabOptions } from './vocab-files.js';

// The trainers import it from here.
export { importNodeBuiltin } from './sources.js';

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

/** Reads what a Hugging Face model folder (a path in Node, a URL elsewhere) has for its tokenizer. */
export async function readDirectory(dir: string | URL, read: ReadOptions = {}): Promise<DirectoryContents> {
  const readOptional = (folder: string | URL, name: string) => readOptionalSource(joinLocation(folder, name, read.host), read);
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
  throw new TokenizerLoadError(String(locate(dir, read.host)), 'no tokenizer.json, vocab.json + merges.txt, or vocab.txt in this folder');
}
