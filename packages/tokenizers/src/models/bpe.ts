import { TokenizerConfigError, UnsupportedComponentError } from '../errors.js';
import { asArray, asString, boolField, describeValue, optionalStringField, vocabField, type JsonObject } from '../json.js';
import { DEFAULT_HEAP_THRESHOLD, MergeScratch, mergeWord } from './bpe-merge.js';
import { VocabularyModel } from './model.js';
import { PairTable } from './pair-table.js';

export interface BPEOptions {
  unkToken?: string | null;
  continuingSubwordPrefix?: string | null;
  endOfWordSuffix?: string | null;
  fuseUnk?: boolean;
  byteFallback?: boolean;
  ignoreMerges?: boolean;
  /**
   * Words with more initial symbols than this merge with a priority queue (O(n log n), HF's
   * algorithm) instead of a scan (fastest on short words). Default 48; results are identical.
   */
  mergeHeapThreshold?: number;
}

const EMPTY = new Int32Array(0);

/**
 * HF `BPE`. Each character of the word (with `continuing_subword_prefix` after the first and
 * `end_of_word_suffix` on the last) starts as one symbol; merges apply in rank order. Characters
 * missing from the vocabulary become `<0xXX>` bytes (`byte_fallback`), the unknown token (fused when
 * `fuse_unk`), or are dropped when there is no unknown token — all as HF does.
 */
export class BPE extends VocabularyModel {
  readonly unkToken: string | null;
  readonly continuingSubwordPrefix: string | null;
  readonly endOfWordSuffix: string | null;
  readonly fuseUnk: boolean;
  readonly byteFallback: boolean;
  readonly ignoreMerges: boolean;
  readonly mergeHeapThreshold: number;
  private readonly merges: PairTable;
  /** id of each single-code-unit token, -1 if none: the first symbols without a Map lookup. */
  private readonly charIds: Int32Array | null;
  private readonly scratch = new MergeScratch();

  constructor(
    vocab: Map<string, number>,
    merges: ReadonlyArray<readonly [string, string]>,
    options: BPEOptions = {},
  ) {
    super(vocab);
    this.unkToken = options.unkToken ?? null;
    this.continuingSubwordPrefix = options.continuingSubwordPrefix || null;
    this.endOfWordSuffix = options.endOfWordSuffix || null;
    this.fuseUnk = options.fuseUnk ?? false;
    this.byteFallback = options.byteFallback ?? false;
    this.ignoreMerges = options.ignoreMerges ?? false;
    this.mergeHeapThreshold = options.mergeHeapThreshold ?? DEFAULT_HEAP_THRESHOLD;
    this.merges = new PairTable(merges.length);
    const prefixLength = this.continuingSubwordPrefix?.length ?? 0;
    merges.forEach(([a, b], rank) => {
      const aId = vocab.get(a);
      const bId = vocab.get(b);
      const missing = aId === undefined ? a : bId === undefined ? b : null;
      if (missing !== null) {
        throw new TokenizerConfigError(`model.merges[${rank}]`, `token ${JSON.stringify(missing)} is not in model.vocab`);
      }
      const merged = a + (prefixLength > 0 && b.startsWith(this.continuingSubwordPrefix!) ? b.slice(prefixLength) : b);
      const newId = vocab.get(merged);
      if (newId === undefined) {
        throw new TokenizerConfigError(`model.merges[${rank}]`, `merged token ${JSON.stringify(merged)} is not in model.vocab`);
      }
      this.merges.set(aId!, bId!, rank, newId);
    });
    if (this.continuingSubwordPrefix === null && this.endOfWordSuffix === null) {
      this.charIds = new Int32Array(0x10000).fill(-1);
      for (const [token, id] of vocab) if (token.length === 1) this.charIds[token.charCodeAt(0)] = id;
    } else {
      this.charIds = null;
    }
  }

  tokenize(word: string): Int32Array {
    const n = word.length;
    if (n === 0) return EMPTY;
    if (this.ignoreMerges) {
      const id = this.vocab.get(word);
      if (id !== undefined) return Int32Array.of(id, 0, n);
    }
    const symbols = this.scratch;
    symbols.reset();
    let pendingUnk = false; // the last symbol is an unknown token that may still be fused
    for (let i = 0; i < n; ) {
      const c = word.charCodeAt(i);
      const width = c >= 0xd800 && c <= 0xdbff && i + 1 < n && (word.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
      let id: number | undefined;
      let piece: string | null = null;
      if (this.charIds !== null && width === 1) {
        id = this.charIds[c];
        if (id < 0) id = undefined;
      } else {
        piece = word.slice(i, i + width);
        if (i > 0 && this.continuingSubwordPrefix !== null) piece = this.continuingSubwordPrefix + piece;
        if (i + width === n && this.endOfWordSuffix !== null) piece += this.endOfWordSuffix;
        id = this.vocab.get(piece);
      }
      if (id !== undefined) {
        symbols.push(id, i, i + width);
        pendingUnk = false;
      } else {
        piece ??= word.slice(i, i + width);
        if (!(this.byteFallback && this.pushBytes(piece, i, i + width))) {
          if (this.unkToken !== null) {
            if (pendingUnk && this.fuseUnk) symbols.extendLast(i + width);
            else symbols.push(this.unkId(), i, i + width);
            pendingUnk = true;
          }
        } else {
          pendingUnk = false;
        }
      }
      i += width;
    }
    mergeWord(symbols, this.merges, this.mergeHeapThreshold);
    return symbols.toTriples();
  }

  private pushBytes(piece: string, start: number, end: number): boolean {
    const bytes = new TextEncoder().encode(piece);
    const ids: number[] = [];
    for (const b of bytes) {
      const id = this.vocab.get(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
      if (id === undefined) return false;
      ids.push(id);
    }
    for (const id of ids) this.scratch.push(id, start, end);
    return true;
  }

  private unkId(): number {
    const id = this.vocab.get(this.unkToken!);
    if (id === undefined) throw new TokenizerConfigError('model.unk_token', `${JSON.stringify(this.unkToken)} is not in model.vocab`);
    return id;
  }
}

/** `merges` as HF writes them: "a b" strings (older files) or [a, b] pairs (newer files). */
export function parseMerges(value: unknown, path: string): Array<[string, string]> {
  return asArray(value, path).map((entry, k) => {
    if (Array.isArray(entry)) {
      if (entry.length !== 2) throw new TokenizerConfigError(`${path}[${k}]`, `expected a pair of tokens, got ${describeValue(entry)}`);
      return [asString(entry[0], `${path}[${k}][0]`), asString(entry[1], `${path}[${k}][1]`)];
    }
    const line = asString(entry, `${path}[${k}]`);
    const space = line.indexOf(' ', 1);
    if (space < 0 || space === line.length - 1) {
      throw new TokenizerConfigError(`${path}[${k}]`, `expected "left right", got ${JSON.stringify(line)}`);
    }
    return [line.slice(0, space), line.slice(space + 1)];
  });
}

export function bpeFromJSON(config: JsonObject, path: string): BPE {
  const dropout = config.dropout;
  if (dropout != null && dropout !== 0) {
    // Dropout makes encoding random; an accepted option must work, so it is refused rather than ignored.
    throw new UnsupportedComponentError('model', 'BPE.dropout', `${path}.dropout`, `BPE dropout ${describeValue(dropout)} is not supported (use null)`);
  }
  return new BPE(vocabField(config, 'vocab', path), parseMerges(config.merges ?? [], `${path}.merges`), {
    unkToken: optionalStringField(config, 'unk_token', path),
    continuingSubwordPrefix: optionalStringField(config, 'continuing_subword_prefix', path),
    endOfWordSuffix: optionalStringField(config, 'end_of_word_suffix', path),
    fuseUnk: boolField(config, 'fuse_unk', path, false),
    byteFallback: boolField(config, 'byte_fallback', path, false),
    ignoreMerges: boolField(config, 'ignore_merges', path, false),
  });
}
