import { TokenizerConfigError } from '../errors.js';
import { asArray, boolField, stringField, type JsonObject } from '../json.js';
import { NormalizedBuilder, NormalizedString } from '../normalized.js';
import { charFlags, WHITESPACE } from '../unicode.js';
import { stripAccents } from './bert.js';
import { lowercase, type Normalizer } from './normalizer.js';
import { patternFromJSON, type SplitPattern } from '../pattern.js';

/** HF `Lowercase`. */
export class Lowercase implements Normalizer {
  normalize(input: NormalizedString): NormalizedString {
    return lowercase(input);
  }
}

/** HF `StripAccents`: drops nonspacing marks (use after NFD/NFKD, as HF does). */
export class StripAccents implements Normalizer {
  normalize(input: NormalizedString): NormalizedString {
    return stripAccents(input);
  }
}

/** HF `Strip`: removes leading and/or trailing whitespace. */
export class Strip implements Normalizer {
  constructor(readonly left: boolean, readonly right: boolean) {}
  normalize(input: NormalizedString): NormalizedString {
    const text = input.text;
    let start = 0;
    let end = text.length;
    if (this.left) while (start < end && (charFlags(text.codePointAt(start)!) & WHITESPACE) !== 0) start++;
    if (this.right) while (end > start && (charFlags(text.charCodeAt(end - 1)) & WHITESPACE) !== 0) end--;
    return start === 0 && end === text.length ? input : input.slice(start, end);
  }
}

/** HF `Prepend`: prepends a string to non-empty input (e.g. Metaspace's '▁'). */
export class Prepend implements Normalizer {
  constructor(readonly prefix: string) {}
  normalize(input: NormalizedString): NormalizedString {
    return input.prepend(this.prefix);
  }
}

/** HF `Replace`: replaces every match of a string or regex with `content`. */
export class Replace implements Normalizer {
  constructor(readonly pattern: SplitPattern, readonly content: string) {}
  normalize(input: NormalizedString): NormalizedString {
    const matches = this.pattern.findAll(input.text);
    if (matches.length === 0) return input;
    const builder = new NormalizedBuilder(input.text.length);
    let last = 0;
    for (let k = 0; k < matches.length; k += 2) {
      const start = matches[k];
      const end = matches[k + 1];
      builder.copyFrom(input, last, start);
      if (this.content.length > 0) {
        const from = input.originalStart(start);
        builder.push(this.content, from, end > start ? input.originalEnd(end - 1) : from);
      }
      last = end;
    }
    builder.copyFrom(input, last, input.text.length);
    return builder.build(input.emptyPosition);
  }
}

export class NormalizerSequence implements Normalizer {
  constructor(readonly normalizers: readonly Normalizer[]) {}
  normalize(input: NormalizedString): NormalizedString {
    let s = input;
    for (const normalizer of this.normalizers) s = normalizer.normalize(s);
    return s;
  }
}

export function stripFromJSON(config: JsonObject, path: string): Strip {
  return new Strip(boolField(config, 'strip_left', path, true), boolField(config, 'strip_right', path, true));
}

export function prependFromJSON(config: JsonObject, path: string): Prepend {
  return new Prepend(stringField(config, 'prepend', path));
}

export function replaceFromJSON(config: JsonObject, path: string): Replace {
  return new Replace(patternFromJSON(config.pattern, `${path}.pattern`), stringField(config, 'content', path));
}

export function sequenceFromJSON(
  config: JsonObject,
  path: string,
  build: (value: unknown, path: string) => Normalizer,
): NormalizerSequence {
  const list = asArray(config.normalizers, `${path}.normalizers`);
  if (list.length === 0) throw new TokenizerConfigError(`${path}.normalizers`, 'expected at least one normalizer');
  return new NormalizerSequence(list.map((item, k) => build(item, `${path}.normalizers[${k}]`)));
}
