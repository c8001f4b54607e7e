import { charFlags, WHITESPACE, WORD } from './unicode.js';
import { TokenizerConfigError } from './errors.js';
import { describeValue } from './json.js';
import { isIntegerIn, MAX_TOKEN_ID } from './limits.js';
import type { Model } from './models/index.js';
import { NormalizedString } from './normalized.js';
import type { Normalizer } from './normalizers/index.js';

/** A token matched in the text before the model sees it (HF `AddedToken`). */
export interface AddedToken {
  id: number;
  content: string;
  /** Only match when not inside a word. */
  singleWord: boolean;
  /** Swallow the whitespace on its left / right. */
  lstrip: boolean;
  rstrip: boolean;
  /** Match against the normalized text (true) or the raw text (false). */
  normalized: boolean;
  /** Skipped by `decode(…, { skipSpecialTokens: true })`. */
  special: boolean;
}

/** Matches a set of literal patterns, leftmost first and longest first at the same position (Aho–Corasick LeftmostLongest). */
class Matcher {
  private readonly regex: RegExp;
  private readonly byPattern = new Map<string, AddedToken>();

  constructor(entries: ReadonlyArray<readonly [pattern: string, token: AddedToken]>) {
    for (const [pattern, token] of entries) if (pattern.length > 0 && !this.byPattern.has(pattern)) this.byPattern.set(pattern, token);
    const patterns = [...this.byPattern.keys()].sort((a, b) => b.length - a.length);
    this.regex = new RegExp(patterns.map(escapeRegExp).join('|'), 'g');
  }

  get isEmpty(): boolean {
    return this.byPattern.size === 0;
  }

  /**
   * HF `find_matches`: splits `text` into plain ranges (id -1) and added-token ranges, as flat
   * `[start, end, id]` triples covering the whole text; applies single_word, lstrip and rstrip.
   */
  split(text: string): number[] {
    const out: number[] = [];
    let startOffset = 0;
    this.regex.lastIndex = 0;
    let match: RegExpExecArray | null;
    while ((match = this.regex.exec(text)) !== null) {
      let start = match.index;
      let stop = start + match[0].length;
      const token = this.byPattern.get(match[0])!;
      if (token.singleWord) {
        const startSpace = start === 0 || !isWordChar(text, start - 1, true);
        const stopSpace = stop === text.length || !isWordChar(text, stop, false);
        if (!startSpace || !stopSpace) continue;
      }
      if (token.lstrip) {
        // Never back past the previous match: scanning further is wasted (and quadratic on a run of
        // whitespace tokens), since the start is clamped there anyway.
        while (start > startOffset && (charFlags(text.charCodeAt(start - 1)) & WHITESPACE) !== 0) start--;
      }
      if (token.rstrip) {
        while (stop < text.length && (charFlags(text.charCodeAt(stop)) & WHITESPACE) !== 0) stop++;
        this.regex.lastIndex = stop;
      }
      if (startOffset < start) out.push(startOffset, start, -1);
      out.push(start, stop, token.id);
      startOffset = stop;
    }
    if (startOffset < text.length || out.length === 0) out.push(startOffset, text.length, -1);
    return out;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Is the character ending at (`before`) or starting at `i` a word character (Rust regex `\w`)? */
function isWordChar(text: string, i: number, before: boolean): boolean {
  let cp = text.charCodeAt(i);
  if (before && (cp & 0xfc00) === 0xdc00 && i > 0) cp = text.codePointAt(i - 1)!;
  else if (!before) cp = text.codePointAt(i)!;
  return (charFlags(cp) & WORD) !== 0;
}

/**
 * The added tokens of a tokenizer (HF `AddedVocabulary`): special tokens such as `<|endoftext|>` or
 * `[MASK]` are split out of the text before normalization (normalized: false) or right after it
 * (normalized: true), so they are never broken up by the pre-tokenizer or the model.
 */
export class AddedVocabulary {
  readonly tokens: readonly AddedToken[];
  private readonly byContent = new Map<string, AddedToken>();
  private readonly byId = new Map<number, AddedToken>();
  private readonly raw: Matcher;
  private readonly normalizedMatcher: Matcher;

  constructor(tokens: readonly AddedToken[], normalizer: Normalizer | null) {
    this.tokens = tokens;
    for (const token of tokens) {
      this.byContent.set(token.content, token);
      this.byId.set(token.id, token);
    }
    this.raw = new Matcher(tokens.filter((t) => !t.normalized).map((t) => [t.content, t] as const));
    this.normalizedMatcher = new Matcher(
      tokens
        .filter((t) => t.normalized)
        .map((t) => {
          const pattern = normalizer ? normalizer.normalize(NormalizedString.identity(t.content, 0, t.content.length)).text : t.content;
          return [pattern, t] as const;
        }),
    );
  }

  get size(): number {
    return this.tokens.length;
  }

  tokenToId(content: string): number | undefined {
    return this.byContent.get(content)?.id;
  }

  idToToken(id: number): string | undefined {
    return this.byId.get(id)?.content;
  }

  isSpecialId(id: number): boolean {
    return this.byId.get(id)?.special ?? false;
  }

  /** Splits raw text on the non-normalized added tokens: flat `[start, end, id]`, id -1 for plain text. */
  splitRaw(text: string): number[] {
    return this.raw.isEmpty ? [0, text.length, -1] : this.raw.split(text);
  }

  /** Splits normalized text on the normalized added tokens. */
  splitNormalized(text: string): number[] {
    return this.normalizedMatcher.isEmpty ? [0, text.length, -1] : this.normalizedMatcher.split(text);
  }
}

/**
 * Each added token must keep the id the file gives it, and that id must mean that token only.
 * Hugging Face renumbers a clashing token (an id the model gives another token, or a content the model
 * numbers differently) with only a log warning, so ids would silently differ from the file's; here it
 * is a `TokenizerConfigError` naming both tokens.
 */
export function checkAddedTokenIds(tokens: readonly AddedToken[], model: Model): void {
  const byId = new Map<number, string>();
  tokens.forEach((token, k) => {
    const field = `added_tokens[${k}]`;
    if (!isIntegerIn(token.id, 0, MAX_TOKEN_ID)) {
      throw new TokenizerConfigError(`${field}.id`, `expected a token id (an integer in [0, ${MAX_TOKEN_ID}]), got ${describeValue(token.id)}`);
    }
    const content = JSON.stringify(token.content);
    const modelToken = model.idToToken(token.id);
    if (modelToken !== undefined && modelToken !== token.content) {
      throw new TokenizerConfigError(`${field}.id`, `${content} has id ${token.id}, which model.vocab gives to ${JSON.stringify(modelToken)}`);
    }
    const modelId = model.tokenToId(token.content);
    if (modelId !== undefined && modelId !== token.id) {
      throw new TokenizerConfigError(`${field}.id`, `${content} has id ${token.id}, but model.vocab gives it id ${modelId}`);
    }
    const earlier = byId.get(token.id);
    if (earlier !== undefined && earlier !== token.content) {
      throw new TokenizerConfigError(`${field}.id`, `${content} has id ${token.id}, which an earlier added token, ${JSON.stringify(earlier)}, already has`);
    }
    byId.set(token.id, token.content);
  });
}
