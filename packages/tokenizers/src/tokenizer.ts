import { AddedVocabulary, type AddedToken } from './added-vocabulary.js';
import { cleanUpTokenization, decodeTokens, type Decoder } from './decoders/index.js';
import type { Encoding } from './encoding.js';
import { TokenizerOptionError } from './errors.js';
import { partsFromJSON } from './from-json.js';
import { parseJson } from './json.js';
import { readDirectory } from './loaders.js';
import { readSource } from './sources.js';
import type { Model } from './models/index.js';
import type { Normalizer } from './normalizers/index.js';
import {
  resolvePadding,
  resolveTruncation,
  type BatchEncodeOptions,
  type BatchInput,
  type DecodeOptions,
  type EncodeOptions,
  type PaddingParams,
  type TruncationParams,
} from './options.js';
import { EncodingPipeline, TokenSink } from './pipeline.js';
import { postProcess, type PostProcessor } from './post-processors/index.js';
import type { PreTokenizer } from './pre-tokenizers/index.js';
import { resolveSpecialTokens, type SpecialTokenRole, type SpecialTokens } from './special-tokens.js';
import { SingleLayout } from './single-layout.js';
import { StreamDecoder, type StreamDecoderOptions } from './stream-decoder.js';
import { filled } from './encoding.js';
import { padBatch, truncatePair } from './truncation.js';
import { toWellFormed } from './unicode.js';
import { bpeParts, wordPieceParts, type BPEFilesOptions, type WordPieceVocabOptions } from './vocab-files.js';

/** The components of a tokenizer, as in a tokenizer.json. */
export interface TokenizerParts {
  model: Model;
  normalizer?: Normalizer | null;
  preTokenizer?: PreTokenizer | null;
  postProcessor?: PostProcessor | null;
  decoder?: Decoder | null;
  addedTokens?: readonly AddedToken[];
  truncation?: TruncationParams | null;
  padding?: PaddingParams | null;
}

/** What tokenizer_config.json / special_tokens_map.json add to a tokenizer.json. */
export interface TokenizerOptions {
  /** Default of `decode`'s `cleanUpTokenizationSpaces` (tokenizer_config.json); false when absent, like transformers. */
  cleanUpTokenizationSpaces?: boolean;
  /** Token for each role; roles not given are inferred from the tokenizer.json. */
  specialTokens?: Partial<Record<SpecialTokenRole, string>>;
  /** Default truncation length (tokenizer_config.json `model_max_length`; absurd values are ignored). */
  modelMaxLength?: number | null;
}

/**
 * A Hugging Face-compatible tokenizer: normalizer → pre-tokenizer → model (BPE or WordPiece) →
 * post-processor, and a decoder back. Build one with `fromJSON`, `fromFile`, `fromDir`, `fromUrl`,
 * `fromBPEFiles` or `fromWordPieceVocab`.
 */
export class Tokenizer {
  readonly model: Model;
  readonly normalizer: Normalizer | null;
  readonly preTokenizer: PreTokenizer | null;
  readonly postProcessor: PostProcessor | null;
  readonly decoder: Decoder | null;
  readonly addedTokens: readonly AddedToken[];
  /** Named special tokens, e.g. `specialTokens.cls` → `{ token: '[CLS]', id: 101 }`. */
  readonly specialTokens: SpecialTokens;
  /** Size of the vocabulary including added tokens. */
  readonly vocabSize: number;
  private readonly added: AddedVocabulary;
  /** id → token string (model vocabulary overlaid with added tokens); '' for unused ids. */
  private readonly tokenStrings: string[];
  /** Scratch space for one sequence's tokens (encode is synchronous, so one is enough). */
  private readonly sink = new TokenSink(true);
  private readonly pipeline: EncodingPipeline;
  private readonly truncation: TruncationParams | null;
  private readonly padding: PaddingParams | null;
  private readonly cleanUpDefault: boolean;
  private readonly modelMaxLength: number | null;

  constructor(parts: TokenizerParts, options: TokenizerOptions = {}) {
    this.model = parts.model;
    this.normalizer = parts.normalizer ?? null;
    this.preTokenizer = parts.preTokenizer ?? null;
    this.postProcessor = parts.postProcessor ?? null;
    this.decoder = parts.decoder ?? null;
    this.addedTokens = parts.addedTokens ?? [];
    this.truncation = parts.truncation ?? null;
    this.padding = parts.padding ?? null;
    this.added = new AddedVocabulary(this.addedTokens, this.normalizer);
    this.cleanUpDefault = options.cleanUpTokenizationSpaces ?? false;
    const maxLength = options.modelMaxLength;
    this.modelMaxLength = maxLength != null && maxLength > 0 && maxLength < 1e9 ? maxLength : null;
    this.pipeline = new EncodingPipeline(this.model, this.normalizer, this.preTokenizer, this.added);
    const modelVocab = this.model.getVocab();
    let maxId = -1;
    for (const id of modelVocab.values()) maxId = Math.max(maxId, id);
    for (const token of this.addedTokens) maxId = Math.max(maxId, token.id);
    this.tokenStrings = new Array<string>(maxId + 1).fill('');
    for (const [token, id] of modelVocab) this.tokenStrings[id] = token;
    for (const token of this.addedTokens) this.tokenStrings[token.id] = token.content;
    let extra = 0;
    for (const token of this.addedTokens) if (this.model.tokenToId(token.content) === undefined) extra++;
    this.vocabSize = this.model.vocabSize + extra;
    this.specialTokens = resolveSpecialTokens(
      options.specialTokens ?? {},
      this.model,
      this.postProcessor,
      this.padding,
      this.addedTokens,
      (token) => this.tokenToId(token),
    );
  }

  /** From a parsed tokenizer.json object (or its text). */
  static fromJSON(json: unknown, options?: TokenizerOptions): Tokenizer {
    return new Tokenizer(partsFromJSON(typeof json === 'string' ? parseJson(json, 'tokenizer.json') : json), options);
  }

  /** From a tokenizer.json file: a path in Node; in a browser a URL, relative to the page (as `fetch`). */
  static async fromFile(path: string | URL, options?: TokenizerOptions): Promise<Tokenizer> {
    return Tokenizer.fromJSON(await readSource(path), options);
  }

  /**
   * From a model folder (a path in Node; in a browser a URL, relative to the page): tokenizer.json when
   * present, else vocab.json + merges.txt (byte-level BPE) or vocab.txt (WordPiece);
   * tokenizer_config.json and special_tokens_map.json supply casing, special tokens, model_max_length
   * and clean_up_tokenization_spaces.
   */
  static async fromDir(dir: string | URL, loadOptions?: TokenizerOptions & { fetch?: typeof fetch }): Promise<Tokenizer> {
    const { fetch: fetchImpl, ...options } = loadOptions ?? {};
    const found = await readDirectory(dir, { fetch: fetchImpl });
    const merged = { ...found.options, ...options, specialTokens: { ...found.options.specialTokens, ...options?.specialTokens } };
    if (found.tokenizerJson !== null) return Tokenizer.fromJSON(found.tokenizerJson, merged);
    if (found.merges !== null) return new Tokenizer(bpeParts(found.vocab, found.merges, found.bpeOptions), merged);
    return new Tokenizer(wordPieceParts(found.vocab, found.wordPieceOptions), merged);
  }

  /** From a tokenizer.json URL (fetch); a string relative to the page in a browser, a file path in Node. */
  static async fromUrl(url: string | URL, loadOptions?: TokenizerOptions & { fetch?: typeof fetch }): Promise<Tokenizer> {
    const { fetch: fetchImpl, ...options } = loadOptions ?? {};
    return Tokenizer.fromJSON(await readSource(url, { fetch: fetchImpl }), options);
  }

  /** A GPT-2-style byte-level BPE tokenizer from vocab.json and merges.txt contents. */
  static fromBPEFiles(vocabJson: string | Record<string, number>, mergesTxt: string, options: BPEFilesOptions & TokenizerOptions = {}): Tokenizer {
    return new Tokenizer(bpeParts(vocabJson, mergesTxt, options), options);
  }

  /** A BERT-style WordPiece tokenizer from vocab.txt contents. */
  static fromWordPieceVocab(vocabTxt: string, options: WordPieceVocabOptions & TokenizerOptions = {}): Tokenizer {
    return new Tokenizer(wordPieceParts(vocabTxt, options), options);
  }

  tokenToId(token: string): number | undefined {
    return this.added.tokenToId(token) ?? this.model.tokenToId(token);
  }

  idToToken(id: number): string | undefined {
    return this.added.idToToken(id) ?? this.model.idToToken(id);
  }

  /** The whole vocabulary, added tokens included. */
  getVocab(): Map<string, number> {
    const vocab = this.model.getVocab();
    for (const token of this.addedTokens) vocab.set(token.content, token.id);
    return vocab;
  }

  /**
   * Ids only (special tokens included unless `addSpecialTokens: false`; no truncation or padding):
   * the fast path for counting tokens, prompts and throughput-bound work.
   */
  encodeIds(text: string, options: { addSpecialTokens?: boolean } = {}): number[] {
    const sink = new TokenSink(false);
    this.pipeline.encode(toWellFormed(text), sink);
    if (options.addSpecialTokens === false || this.postProcessor === null) return sink.ids;
    const layout = this.layout(true);
    if (layout === null) return this.encode(text, { truncation: false, padding: false }).ids;
    if (layout.prefixIds.length === 0 && layout.suffixIds.length === 0) return sink.ids;
    return [...layout.prefixIds, ...sink.ids, ...layout.suffixIds];
  }

  private readonly layouts: Array<SingleLayout | null | undefined> = [undefined, undefined];

  /** How the post-processor wraps a single sequence (null when it must run token by token). */
  private layout(addSpecialTokens: boolean): SingleLayout | null {
    const k = addSpecialTokens ? 1 : 0;
    if (this.layouts[k] === undefined) this.layouts[k] = SingleLayout.of(this.postProcessor, addSpecialTokens);
    return this.layouts[k]!;
  }

  /**
   * Encodes a text (or a pair with `pair`) into ids, tokens, offsets into the original string,
   * masks and type ids. Lone UTF-16 surrogates are read as U+FFFD (what UTF-8 would carry).
   */
  encode(text: string, options: EncodeOptions = {}): Encoding {
    const addSpecialTokens = options.addSpecialTokens ?? true;
    const pair = options.pair ?? null;
    const truncation = resolveTruncation(options, this.truncation, this.modelMaxLength);
    const padding = resolvePadding(options, this.padding);
    if (pair === null && truncation === null && (padding === null || (padding.strategy === 'longest' && padding.padToMultipleOf === 0))) {
      const layout = this.layout(addSpecialTokens);
      if (layout !== null) {
        const sink = this.sink.reset();
        this.pipeline.encode(toWellFormed(text), sink);
        return layout.build(sink, this.tokenStrings);
      }
    }
    let encoding = this.encodeSequence(text, 0);
    let pairEncoding = pair === null ? null : this.encodeSequence(pair, 1);
    if (truncation !== null) {
      const added = addSpecialTokens && this.postProcessor !== null ? this.postProcessor.addedTokens(pairEncoding !== null) : 0;
      if (added > 0 && truncation.maxLength < added) {
        throw new TokenizerOptionError('maxLength', `${truncation.maxLength} leaves no room next to the ${added} special tokens`);
      }
      [encoding, pairEncoding] = truncatePair(encoding, pairEncoding, { ...truncation, maxLength: truncation.maxLength - added });
    }
    const result = postProcess(this.postProcessor, encoding, pairEncoding, addSpecialTokens);
    if (!options.returnOverflowing) result.overflowing = [];
    if (padding !== null) padBatch([result], padding, ...this.padToken(padding));
    return result;
  }

  /**
   * Encodes many texts or `[text, pair]` tuples, padded together. With `returnOverflowing`, every
   * truncation window is its own row and `sampleIndex` says which input it came from (transformers'
   * `overflow_to_sample_mapping`), which is what question answering over long contexts needs.
   */
  encodeBatch(inputs: readonly BatchInput[], options: BatchEncodeOptions = {}): Array<Encoding & { sampleIndex: number }> {
    const rows: Array<Encoding & { sampleIndex: number }> = [];
    const single = { ...options, padding: false as const };
    inputs.forEach((input, sampleIndex) => {
      const encoding =
        typeof input === 'string' ? this.encode(input, single) : this.encode(input[0], { ...single, pair: input[1] });
      const windows = options.returnOverflowing ? encoding.overflowing : [];
      encoding.overflowing = [];
      rows.push({ ...encoding, sampleIndex });
      for (const window of windows) rows.push({ ...window, overflowing: [], sampleIndex });
    });
    const padding = resolvePadding(options, this.padding);
    if (padding !== null) padBatch(rows, padding, ...this.padToken(padding));
    return rows;
  }

  private padToken(padding: PaddingParams): [number, string] {
    if (padding.padId !== null && padding.padToken !== null) return [padding.padId, padding.padToken];
    const pad = this.specialTokens.pad;
    if (!pad) throw new TokenizerOptionError('padding', 'this tokenizer has no padding token; pass specialTokens: { pad: … } when loading it');
    return [pad.id, pad.token];
  }

  private encodeSequence(text: string, typeId: number): Encoding {
    const sink = this.sink.reset();
    this.pipeline.encode(toWellFormed(text), sink);
    const ids = sink.ids;
    const n = ids.length;
    const flat = sink.offsets!;
    const words = sink.words!;
    const tokenStrings = this.tokenStrings;
    // Built with push so the arrays stay packed: V8's concat/slice on holey arrays (new Array(n))
    // walk the prototype chain per element, which made merging 300k-token encodings slow.
    const tokens: string[] = [];
    const offsets: Array<[number, number]> = [];
    const wordIds: number[] = [];
    for (let i = 0; i < n; i++) {
      tokens.push(tokenStrings[ids[i]]);
      offsets.push([flat[2 * i], flat[2 * i + 1]]);
      wordIds.push(words[i]);
    }
    if (sink.addedText !== null) for (const [i, content] of sink.addedText) tokens[i] = content;
    return {
      ids,
      tokens,
      offsets,
      attentionMask: filled(n, 1),
      typeIds: filled(n, typeId),
      specialTokensMask: filled(n, 0),
      wordIds,
      sequenceIds: filled(n, typeId),
      overflowing: [],
    };
  }

  /** Turns ids back into text. Unknown ids are skipped, as in HF. */
  decode(ids: ArrayLike<number>, options: DecodeOptions = {}): string {
    const skipSpecial = options.skipSpecialTokens ?? false;
    const tokens: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (skipSpecial && this.added.isSpecialId(id)) continue;
      const token = this.idToToken(id);
      if (token !== undefined) tokens.push(token);
    }
    const text = this.decoder !== null ? decodeTokens(this.decoder, tokens) : tokens.join(' ');
    return options.cleanUpTokenizationSpaces ?? this.cleanUpDefault ? cleanUpTokenization(text) : text;
  }

  decodeBatch(batch: ReadonlyArray<ArrayLike<number>>, options: DecodeOptions = {}): string[] {
    return batch.map((ids) => this.decode(ids, options));
  }

  /**
   * An incremental decoder for generation: feed ids one at a time, get text that never ends in half a
   * character; the pieces concatenate to `decode(allIds)`.
   */
  createStreamDecoder(options: StreamDecoderOptions = {}): StreamDecoder {
    return new StreamDecoder((ids, skipSpecialTokens) => this.decode(ids, { skipSpecialTokens, cleanUpTokenizationSpaces: false }), options);
  }

  /** Decodes a stream of ids into a stream of text pieces (see `createStreamDecoder`). */
  decodeStream(ids: Iterable<number>, options?: StreamDecoderOptions): Generator<string, void, undefined>;
  decodeStream(ids: AsyncIterable<number>, options?: StreamDecoderOptions): AsyncGenerator<string, void, undefined>;
  decodeStream(ids: Iterable<number> | AsyncIterable<number>, options: StreamDecoderOptions = {}) {
    const decoder = this.createStreamDecoder(options);
    if (Symbol.asyncIterator in ids) {
      return (async function* () {
        for await (const id of ids) {
          const text = decoder.step(id);
          if (text.length > 0) yield text;
        }
        const rest = decoder.flush();
        if (rest.length > 0) yield rest;
      })();
    }
    return (function* () {
      for (const id of ids) {
        const text = decoder.step(id);
        if (text.length > 0) yield text;
      }
      const rest = decoder.flush();
      if (rest.length > 0) yield rest;
    })();
  }
}
