/**
 * Static backtracking bound for user regexes (tokenizer.json `Split` / `Replace` patterns).
 *
 * Hugging Face runs these with Oniguruma, which gives up a match after a fixed number of backtracking
 * steps. A JavaScript `RegExp` cannot be interrupted, so `(a+)+$` on thirty `a`s and a `!` would hang
 * the process. Instead, a pattern is checked once, at load, and refused (a typed error) unless its
 * backtracking is provably polynomial with a small degree:
 *
 * - repetition with more than one iteration (`*`, `+`, `{m,}`, `{m,n}` with n > 1) may only apply to a
 *   single-character atom (a literal, an escape such as `\s` or `\p{L}`, a class, `.`) — or, with a
 *   finite bound, to a group. Every exponential case (`(a+)+`, `(a|a)*`, `(a|aa)+`) repeats a group
 *   without bound;
 * - back-references are refused (they make matching NP-hard);
 * - the number of backtracking paths of one match attempt is bounded by `c · n^d` (n: the input
 *   length), computed over the syntax tree: a sequence multiplies, an alternation adds, a repeated
 *   character contributes n + 1 choices. The pattern is refused when d > 2 or c > 10^4.
 *
 * Every pre-tokenizer regex in common tokenizer.json files passes (GPT-2: 23·n; GPT-4 / Llama 3,
 * Qwen 2, DeepSeek: d = 2; GPT-4o: 147·n², the largest). What remains possible is the polynomial cost
 * Oniguruma has too: two overlapping adjacent repetitions (`\s*\s*x`) can take time quadratic in the
 * length of one chunk of text.
 */

/** Upper bound `coef · n^degree` on the backtracking paths of one match attempt. */
interface Cost {
  coef: number;
  degree: number;
}

const ONE: Cost = { coef: 1, degree: 0 };
export const MAX_BACKTRACK_DEGREE = 2;
export const MAX_BACKTRACK_COEF = 1e4;

const times = (a: Cost, b: Cost): Cost => ({ coef: a.coef * b.coef, degree: a.degree + b.degree });
const plus = (a: Cost, b: Cost): Cost => ({ coef: a.coef + b.coef, degree: Math.max(a.degree, b.degree) });

/** Why a pattern is refused; `null` when it is safe to run as a JavaScript RegExp. */
export function backtrackingProblem(source: string): string | null {
  try {
    const cost = new RegexCostParser(source).parse();
    if (cost.degree > MAX_BACKTRACK_DEGREE || !(cost.coef <= MAX_BACKTRACK_COEF)) {
      return `it can backtrack through up to ${cost.coef.toPrecision(3)}·n^${cost.degree} paths on n characters (limits: degree ${MAX_BACKTRACK_DEGREE}, factor ${MAX_BACKTRACK_COEF})`;
    }
    return null;
  } catch (error) {
    if (error instanceof UnsafePattern) return error.message;
    throw error;
  }
}

class UnsafePattern extends Error {}

interface Atom {
  cost: Cost;
  /** Matches exactly one character (so repeating it cannot be ambiguous between iterations). */
  singleChar: boolean;
  text: string;
}

/** A recursive-descent walk over JavaScript `u`-mode regex syntax (the pattern already compiled). */
class RegexCostParser {
  private i = 0;
  constructor(private readonly s: string) {}

  parse(): Cost {
    const cost = this.alternation();
    if (this.i < this.s.length) throw new UnsafePattern(`unbalanced ")" at ${this.i}`);
    return cost;
  }

  private alternation(): Cost {
    let cost = this.sequence();
    while (this.s[this.i] === '|') {
      this.i++;
      cost = plus(cost, this.sequence());
    }
    return cost;
  }

  private sequence(): Cost {
    let cost = ONE;
    while (this.i < this.s.length && this.s[this.i] !== '|' && this.s[this.i] !== ')') {
      cost = times(cost, this.quantified(this.atom()));
    }
    return cost;
  }

  private quantified(atom: Atom): Cost {
    const start = this.i;
    const bounds = this.quantifier();
    if (bounds === null) return atom.cost;
    if (this.s[this.i] === '?') this.i++; // lazy: same paths, other order
    const [min, max] = bounds;
    const written = this.s.slice(start, this.i);
    if (max <= 1) return min === 0 ? plus(atom.cost, ONE) : atom.cost;
    if (atom.singleChar) {
      return max === Infinity ? times(atom.cost, { coef: 2, degree: 1 }) : times(atom.cost, { coef: max - min + 1, degree: 0 });
    }
    if (max === Infinity) {
      throw new UnsafePattern(`${atom.text}${written} repeats a group without bound; nested or grouped repetition can backtrack exponentially (write a character class instead, e.g. [ab]+ for (?:a|b)+)`);
    }
    // max copies of the group in a row, for each of the max − min + 1 counts.
    return { coef: atom.cost.coef ** max * (max - min + 1), degree: atom.cost.degree * max };
  }

  /** `[min, max]` of a quantifier at the cursor (consumed), or null. */
  private quantifier(): [number, number] | null {
    const c = this.s[this.i];
    if (c === '*' || c === '+' || c === '?') {
      this.i++;
      return c === '*' ? [0, Infinity] : c === '+' ? [1, Infinity] : [0, 1];
    }
    if (c !== '{') return null;
    const match = /^\{(\d+)(,(\d*))?\}/.exec(this.s.slice(this.i));
    if (!match) return null;
    this.i += match[0].length;
    const min = Number(match[1]);
    const max = match[2] === undefined ? min : match[3] === '' ? Infinity : Number(match[3]);
    return [min, max];
  }

  private atom(): Atom {
    const s = this.s;
    const start = this.i;
    const c = s[this.i];
    const single = (): Atom => ({ cost: ONE, singleChar: true, text: s.slice(start, this.i) });
    if (c === '(') {
      this.i++;
      // Lookarounds cost like groups (their paths multiply with the rest of the sequence).
      if (s.startsWith('?:', this.i) || s.startsWith('?=', this.i) || s.startsWith('?!', this.i)) this.i += 2;
      else if (s.startsWith('?<=', this.i) || s.startsWith('?<!', this.i)) this.i += 3;
      else if (s.startsWith('?<', this.i)) this.i = s.indexOf('>', this.i) + 1;
      const cost = this.alternation();
      if (s[this.i] !== ')') throw new UnsafePattern(`unclosed group at ${start}`);
      this.i++;
      return { cost, singleChar: false, text: s.slice(start, this.i) };
    }
    if (c === '[') {
      this.i++;
      while (this.i < s.length && s[this.i] !== ']') this.i += s[this.i] === '\\' ? 2 : 1;
      this.i++;
      return single();
    }
    if (c === '\\') return this.escape(start);
    if (c === '^' || c === '$') {
      this.i++;
      return { cost: ONE, singleChar: false, text: c };
    }
    this.i += (s.codePointAt(this.i) ?? 0) > 0xffff ? 2 : 1;
    return single();
  }

  private escape(start: number): Atom {
    const s = this.s;
    const next = s[this.i + 1];
    if ((next >= '1' && next <= '9') || next === 'k') {
      throw new UnsafePattern(`back-reference ${s.slice(start, start + 3)}… is not supported (matching with back-references can take exponential time)`);
    }
    if (next === 'b' || next === 'B') {
      this.i += 2;
      return { cost: ONE, singleChar: false, text: s.slice(start, this.i) };
    }
    if ((next === 'p' || next === 'P' || next === 'u') && s[this.i + 2] === '{') this.i = s.indexOf('}', this.i) + 1;
    else if (next === 'u') this.i += 6;
    else if (next === 'x') this.i += 4;
    else if (next === 'c') this.i += 3;
    else this.i += 2;
    return { cost: ONE, singleChar: true, text: s.slice(start, this.i) };
  }
}
