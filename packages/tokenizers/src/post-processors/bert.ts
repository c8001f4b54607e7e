import { TokenizerConfigError } from '../errors.js';
import { mergeWith, specialEncoding, type Encoding } from '../encoding.js';
import { asArray, asInt, asString, boolField, type JsonObject } from '../json.js';
import { trimOffsets } from './byte-level.js';
import type { PostProcessor } from './post-processor.js';

/** A special token and its id, as BertProcessing's `sep` / `cls` (`["[SEP]", 102]`). */
export type SpecialToken = readonly [token: string, id: number];

/** `[CLS] A [SEP]` / `[CLS] A [SEP] B [SEP]`, type ids 0 for the first part and 1 for B and its [SEP]. */
export class BertProcessing implements PostProcessor {
  constructor(
    readonly sep: SpecialToken,
    readonly cls: SpecialToken,
  ) {}

  addedTokens(isPair: boolean): number {
    return isPair ? 3 : 2;
  }

  processEncodings(encodings: Encoding[], addSpecialTokens: boolean): Encoding[] {
    if (!addSpecialTokens) return encodings;
    return encodings.map((e, i) => {
      const wrap = (content: Encoding): Encoding => {
        const out = i === 0 ? specialEncoding([this.cls[1]], [this.cls[0]], 0) : specialEncoding([], [], 0);
        mergeWith(out, { ...content, overflowing: [] });
        mergeWith(out, specialEncoding([this.sep[1]], [this.sep[0]], i === 0 ? 0 : 1));
        return out;
      };
      const out = wrap(e);
      out.overflowing = e.overflowing.map(wrap);
      return out;
    });
  }
}

/** `<s> A </s>` / `<s> A </s></s> B </s>`, every type id 0 (RoBERTa), with optional offset trimming. */
export class RobertaProcessing implements PostProcessor {
  constructor(
    readonly sep: SpecialToken,
    readonly cls: SpecialToken,
    readonly trimOffsets: boolean,
    readonly addPrefixSpace: boolean,
  ) {}

  addedTokens(isPair: boolean): number {
    return isPair ? 4 : 2;
  }

  processEncodings(encodings: Encoding[], addSpecialTokens: boolean): Encoding[] {
    if (this.trimOffsets) for (const e of encodings) trimOffsets(e, this.addPrefixSpace);
    const zeroTypes = (e: Encoding) => {
      e.typeIds.fill(0);
      e.overflowing.forEach(zeroTypes);
    };
    encodings.forEach(zeroTypes);
    if (!addSpecialTokens) return encodings;
    return encodings.map((e, i) => {
      const wrap = (content: Encoding): Encoding => {
        const open = i === 0 ? this.cls : this.sep;
        const out = specialEncoding([open[1]], [open[0]], 0);
        mergeWith(out, { ...content, overflowing: [] });
        mergeWith(out, specialEncoding([this.sep[1]], [this.sep[0]], 0));
        return out;
      };
      const out = wrap(e);
      out.overflowing = e.overflowing.map(wrap);
      return out;
    });
  }
}

function specialTokenField(config: JsonObject, key: string, path: string): SpecialToken {
  const value = asArray(config[key], `${path}.${key}`);
  if (value.length !== 2) throw new TokenizerConfigError(`${path}.${key}`, 'expected [token, id]');
  return [asString(value[0], `${path}.${key}[0]`), asInt(value[1], `${path}.${key}[1]`)];
}

export function bertProcessingFromJSON(config: JsonObject, path: string): BertProcessing {
  return new BertProcessing(specialTokenField(config, 'sep', path), specialTokenField(config, 'cls', path));
}

export function robertaProcessingFromJSON(config: JsonObject, path: string): RobertaProcessing {
  return new RobertaProcessing(
    specialTokenField(config, 'sep', path),
    specialTokenField(config, 'cls', path),
    boolField(config, 'trim_offsets', path, true),
    boolField(config, 'add_prefix_space', path, true),
  );
}
