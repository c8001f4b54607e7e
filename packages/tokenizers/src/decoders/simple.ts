import { TokenizerConfigError } from '../errors.js';
import { asArray, boolField, intField, stringField, type JsonObject } from '../json.js';
import { patternFromJSON, StringPattern, type SplitPattern } from '../pattern.js';
import { cleanUpWordPiece } from './cleanup.js';
import type { Decoder } from './decoder.js';

/** HF `WordPiece` decoder: "##" pieces glue to the previous token, others get a space; optional cleanup. */
export class WordPieceDecoder implements Decoder {
  constructor(
    readonly prefix = '##',
    readonly cleanup = true,
  ) {}

  decodeChain(tokens: string[]): string[] {
    return tokens.map((token, i) => {
      let piece = token;
      if (i !== 0) piece = piece.startsWith(this.prefix) ? piece.slice(this.prefix.length) : ` ${piece}`;
      return this.cleanup ? cleanUpWordPiece(piece) : piece;
    });
  }
}

/** HF `BPEDecoder`: the end-of-word suffix ("</w>") becomes a space, or nothing on the last token. */
export class BPEDecoder implements Decoder {
  constructor(readonly suffix = '</w>') {}
  decodeChain(tokens: string[]): string[] {
    return tokens.map((token, i) => token.replaceAll(this.suffix, i === tokens.length - 1 ? '' : ' '));
  }
}

/** HF `Metaspace` decoder: '▁' becomes a space, except at the very start when a prefix was prepended. */
export class MetaspaceDecoder implements Decoder {
  constructor(
    readonly replacement = '\u2581',
    readonly prependScheme: 'always' | 'first' | 'never' = 'always',
  ) {}
  decodeChain(tokens: string[]): string[] {
    return tokens.map((token, i) => {
      // As HF: in the first token every replacement character is dropped (the prefix it stood for
      // was added by the pre-tokenizer); elsewhere each one is a space.
      const dropReplacement = i === 0 && this.prependScheme !== 'never';
      let out = '';
      for (const ch of token) {
        if (ch !== this.replacement) out += ch;
        else if (!dropReplacement) out += ' ';
      }
      return out;
    });
  }
}

/** HF `Strip` decoder: removes up to `start` leading and `stop` trailing `content` characters from each token. */
export class StripDecoder implements Decoder {
  constructor(
    readonly content: string,
    readonly start: number,
    readonly stop: number,
  ) {}
  decodeChain(tokens: string[]): string[] {
    return tokens.map((token) => {
      const chars = [...token];
      let from = 0;
      while (from < this.start && from < chars.length && chars[from] === this.content) from++;
      let to = chars.length;
      while (chars.length - to < this.stop && to > from && chars[to - 1] === this.content) to--;
      return chars.slice(from, to).join('');
    });
  }
}

/** HF `Replace` decoder: replaces a string or regex in every token. */
export class ReplaceDecoder implements Decoder {
  constructor(
    readonly pattern: SplitPattern,
    readonly content: string,
  ) {}
  decodeChain(tokens: string[]): string[] {
    return tokens.map((token) => {
      if (this.pattern instanceof StringPattern) return token.replaceAll(this.pattern.needle, this.content);
      const matches = this.pattern.findAll(token);
      let out = '';
      let last = 0;
      for (let k = 0; k < matches.length; k += 2) {
        out += token.slice(last, matches[k]) + this.content;
        last = matches[k + 1];
      }
      return out + token.slice(last);
    });
  }
}

/** HF `Fuse`: joins all tokens into one piece. */
export class FuseDecoder implements Decoder {
  decodeChain(tokens: string[]): string[] {
    return [tokens.join('')];
  }
}

const byteTokenRe = /^<0x([0-9A-Fa-f]{2})>$/;

/** HF `ByteFallback`: runs of `<0xXX>` tokens become the text their bytes spell (invalid → one U+FFFD per byte). */
export class ByteFallbackDecoder implements Decoder {
  decodeChain(tokens: string[]): string[] {
    const out: string[] = [];
    let bytes: number[] = [];
    const flush = () => {
      if (bytes.length === 0) return;
      try {
        out.push(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(Uint8Array.from(bytes)));
      } catch {
        for (let k = 0; k < bytes.length; k++) out.push('\ufffd');
      }
      bytes = [];
    };
    for (const token of tokens) {
      const match = byteTokenRe.exec(token);
      if (match) {
        bytes.push(parseInt(match[1], 16));
      } else {
        flush();
        out.push(token);
      }
    }
    flush();
    return out;
  }
}

export class DecoderSequence implements Decoder {
  constructor(readonly decoders: readonly Decoder[]) {}
  decodeChain(tokens: string[]): string[] {
    let current = tokens;
    for (const decoder of this.decoders) current = decoder.decodeChain(current);
    return current;
  }
}

export function wordPieceFromJSON(config: JsonObject, path: string): WordPieceDecoder {
  return new WordPieceDecoder(stringField(config, 'prefix', path, '##'), boolField(config, 'cleanup', path, true));
}

export function bpeDecoderFromJSON(config: JsonObject, path: string): BPEDecoder {
  return new BPEDecoder(stringField(config, 'suffix', path, '</w>'));
}

export function metaspaceFromJSON(config: JsonObject, path: string): MetaspaceDecoder {
  const replacement = stringField(config, 'replacement', path, '\u2581');
  let scheme: 'always' | 'first' | 'never';
  if (config.prepend_scheme != null) {
    const value = stringField(config, 'prepend_scheme', path);
    if (value !== 'always' && value !== 'first' && value !== 'never') {
      throw new TokenizerConfigError(`${path}.prepend_scheme`, `expected "always", "first" or "never", got ${JSON.stringify(value)}`);
    }
    scheme = value;
  } else {
    scheme = boolField(config, 'add_prefix_space', path, true) ? 'always' : 'never';
  }
  return new MetaspaceDecoder(replacement, scheme);
}

export function stripFromJSON(config: JsonObject, path: string): StripDecoder {
  const content = stringField(config, 'content', path);
  if ([...content].length !== 1) throw new TokenizerConfigError(`${path}.content`, 'expected a single character');
  return new StripDecoder(content, intField(config, 'start', path, 0), intField(config, 'stop', path, 0));
}

export function replaceFromJSON(config: JsonObject, path: string): ReplaceDecoder {
  return new ReplaceDecoder(patternFromJSON(config.pattern, `${path}.pattern`), stringField(config, 'content', path));
}

export function sequenceFromJSON(config: JsonObject, path: string, build: (value: unknown, path: string) => Decoder): DecoderSequence {
  const list = asArray(config.decoders, `${path}.decoders`);
  return new DecoderSequence(list.map((item, k) => build(item, `${path}.decoders[${k}]`)));
}
