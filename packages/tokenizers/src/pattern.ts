import { TokenizerConfigError, UnsupportedComponentError } from './errors.js';
import { asObject, asString, describeValue } from './json.js';
import { backtrackingProblem } from './regex-safety.js';

/** The GPT-2 pre-tokenization regex, as it appears in tokenizer.json files. */
export const GPT2_PATTERN = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

/** A `Split` / `Replace` pattern: finds non-overlapping, non-empty matches. */
export interface SplitPattern {
  /** Flat `[start, end, start, end, …]` of the matches in `text[from, to)`. */
  findAll(text: string, from?: number, to?: number): number[];
}

export class StringPattern implements SplitPattern {
  constructor(readonly needle: string) {}
  findAll(text: string, from = 0, to = text.length): number[] {
    const out: number[] = [];
    if (this.needle.length === 0) return out;
    let at = text.indexOf(this.needle, from);
    while (at >= 0 && at + this.needle.length <= to) {
      out.push(at, at + this.needle.length);
      at = text.indexOf(this.needle, at + this.needle.length);
    }
    return out;
  }
}

export class RegexPattern implements SplitPattern {
  readonly regex: RegExp;
  constructor(readonly source: string, path: string) {
    const translated = translateRegex(source);
    try {
      // Oniguruma's \s is White_Space; JS's \s also matches U+FEFF. Close enough for splitting, and the
      // GPT-2 pattern never reaches here (it has a dedicated scanner).
      this.regex = new RegExp(translated, 'gu');
    } catch (error) {
      throw new UnsupportedComponentError('pattern', 'Regex', path, `cannot compile ${JSON.stringify(source)} as a JavaScript regex (${(error as Error).message})`);
    }
    // A JS RegExp cannot be stopped (Oniguruma's can): refuse patterns that could backtrack for ever.
    const problem = backtrackingProblem(translated);
    if (problem !== null) throw new UnsupportedComponentError('pattern', 'Regex', path, `refusing ${JSON.stringify(source)}: ${problem}`);
  }
  findAll(text: string, from = 0, to = text.length): number[] {
    const out: number[] = [];
    const subject = from === 0 && to === text.length ? text : text.slice(from, to);
    this.regex.lastIndex = 0;
    for (const match of subject.matchAll(this.regex)) {
      if (match[0].length === 0) continue;
      out.push(from + match.index!, from + match.index! + match[0].length);
    }
    return out;
  }
}

/** Rewrites the few Oniguruma constructs used in tokenizer.json files that JS spells differently. */
function translateRegex(source: string): string {
  // (?i:...) scoped case-insensitivity (Llama 3 / GPT-4 style contractions): spell out both cases.
  return source.replace(/\(\?i:((?:[^()\\]|\\.)*)\)/g, (_, body: string) => `(?:${bothCases(body)})`);
}

function bothCases(body: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '\\') {
      const property = /^\\[pP]\{[^}]*\}/.exec(body.slice(i));
      const escape = property ? property[0] : body.slice(i, i + 2);
      out += escape;
      i += escape.length - 1;
    } else if (c === '[') {
      inClass = true;
      out += c;
    } else if (c === ']') {
      inClass = false;
      out += c;
    } else if (/[A-Za-z]/.test(c)) {
      const pair = `${c.toLowerCase()}${c.toUpperCase()}`;
      out += inClass ? pair : `[${pair}]`;
    } else {
      out += c;
    }
  }
  return out;
}

export function patternFromJSON(value: unknown, path: string): SplitPattern {
  const config = asObject(value, path);
  if ('String' in config) return new StringPattern(asString(config.String, `${path}.String`));
  if ('Regex' in config) return new RegexPattern(asString(config.Regex, `${path}.Regex`), `${path}.Regex`);
  throw new TokenizerConfigError(path, `expected {"String": …} or {"Regex": …}, got ${describeValue(value)}`);
}
