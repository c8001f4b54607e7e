import { asArray, boolField, type JsonObject } from '../json.js';
import { TokenizerConfigError, UnsupportedComponentError } from '../errors.js';
import { GPT2_PATTERN, patternFromJSON, RegexPattern, type SplitPattern } from '../pattern.js';
import { splitGpt2 } from './gpt2-scanner.js';
import { splitAround, type PreTokenizer, Ranges, type SplitBehavior } from './pre-tokenizer.js';
import { behaviorField } from './simple.js';

/** HF `Split`: splits around a string or regex pattern with a delimiter behavior. */
export class Split implements PreTokenizer {
  private readonly scratch = new Ranges();
  constructor(
    readonly pattern: SplitPattern,
    readonly behavior: SplitBehavior,
    readonly invert: boolean,
  ) {}

  split(text: string, start: number, end: number, out: Ranges): void {
    let matches: ArrayLike<number>;
    let count: number;
    if (this.pattern instanceof RegexPattern && this.pattern.source === GPT2_PATTERN) {
      // The GPT-2 regex has an exact scanner; its matches tile the text, so take them directly.
      this.scratch.clear();
      splitGpt2(text, start, end, this.scratch);
      const flat = new Int32Array(this.scratch.length * 2);
      for (let k = 0; k < this.scratch.length; k++) {
        flat[2 * k] = this.scratch.starts[k];
        flat[2 * k + 1] = this.scratch.ends[k];
      }
      matches = flat;
      count = this.scratch.length;
    } else {
      const found = this.pattern.findAll(text, start, end);
      matches = found;
      count = found.length / 2;
    }
    splitAround(matches, count, start, end, this.behavior, this.invert, out);
  }
}

/** HF pre-tokenizer `Sequence`: each pre-tokenizer splits the pieces of the previous one. */
export class PreTokenizerSequence implements PreTokenizer {
  readonly byteLevel: boolean;
  readonly addPrefixSpace: boolean;
  private readonly buffers: Ranges[];

  constructor(readonly preTokenizers: readonly PreTokenizer[]) {
    this.byteLevel = preTokenizers.some((p) => p.byteLevel);
    this.addPrefixSpace = preTokenizers.some((p) => p.addPrefixSpace);
    this.buffers = preTokenizers.map(() => new Ranges());
  }

  split(text: string, start: number, end: number, out: Ranges): void {
    let pieces = new Ranges();
    pieces.push(start, end);
    for (let k = 0; k < this.preTokenizers.length; k++) {
      const next = k === this.preTokenizers.length - 1 ? out : this.buffers[k];
      if (next !== out) next.clear();
      for (let p = 0; p < pieces.length; p++) this.preTokenizers[k].split(text, pieces.starts[p], pieces.ends[p], next);
      pieces = next;
    }
  }
}

export function splitFromJSON(config: JsonObject, path: string): Split {
  return new Split(patternFromJSON(config.pattern, `${path}.pattern`), behaviorField(config, path), boolField(config, 'invert', path, false));
}

export function sequenceFromJSON(
  config: JsonObject,
  path: string,
  build: (value: unknown, path: string) => PreTokenizer,
): PreTokenizerSequence {
  const list = asArray(config.pretokenizers, `${path}.pretokenizers`);
  if (list.length === 0) throw new TokenizerConfigError(`${path}.pretokenizers`, 'expected at least one pre-tokenizer');
  const members = list.map((item, k) => build(item, `${path}.pretokenizers[${k}]`));
  members.forEach((member, k) => {
    // The byte-level spelling happens after all splitting, and a prefix space before it: exact only
    // when ByteLevel is last and, with add_prefix_space, also first.
    if (member.byteLevel && k !== members.length - 1) {
      throw new UnsupportedComponentError('pre_tokenizer', 'ByteLevel', `${path}.pretokenizers[${k}]`, 'ByteLevel must be the last pre-tokenizer of a Sequence');
    }
    if (member.addPrefixSpace && k !== 0) {
      throw new UnsupportedComponentError('pre_tokenizer', 'ByteLevel.add_prefix_space', `${path}.pretokenizers[${k}]`, 'add_prefix_space is only supported on the first pre-tokenizer of a Sequence');
    }
  });
  return new PreTokenizerSequence(members);
}
