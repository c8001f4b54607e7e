import { TokenizerConfigError } from '../errors.js';
import { cloneEncoding, setSequenceId, setTypeIds, specialEncoding, type Encoding } from '../encoding.js';
import { asArray, asInt, asObject, asString, describeValue, type JsonObject } from '../json.js';
import type { PostProcessor } from './post-processor.js';

/** One template piece: a sequence (A or B) or a special token, each with the type id to give it. */
export type TemplatePiece =
  | { readonly kind: 'sequence'; readonly sequence: 'A' | 'B'; readonly typeId: number }
  | { readonly kind: 'special'; readonly name: string; readonly typeId: number };

export interface TemplateSpecialToken {
  readonly ids: readonly number[];
  readonly tokens: readonly string[];
}

/** HF `TemplateProcessing`, e.g. single `[CLS] $A [SEP]`, pair `[CLS] $A [SEP] $B:1 [SEP]:1`. */
export class TemplateProcessing implements PostProcessor {
  constructor(
    readonly single: readonly TemplatePiece[],
    readonly pair: readonly TemplatePiece[],
    readonly specialTokens: ReadonlyMap<string, TemplateSpecialToken>,
  ) {
    for (const piece of [...single, ...pair]) {
      if (piece.kind === 'special' && !specialTokens.has(piece.name)) {
        throw new TokenizerConfigError('post_processor.special_tokens', `missing the special token ${JSON.stringify(piece.name)} used by the template`);
      }
    }
  }

  addedTokens(isPair: boolean): number {
    let count = 0;
    for (const piece of isPair ? this.pair : this.single) {
      if (piece.kind === 'special') count += this.specialTokens.get(piece.name)!.ids.length;
    }
    return count;
  }

  processEncodings(encodings: Encoding[], addSpecialTokens: boolean): Encoding[] {
    const template = encodings.length === 2 ? this.pair : this.single;
    const out: Encoding[] = [];
    const used = [false, false];
    for (const piece of template) {
      if (piece.kind === 'sequence') {
        const index = piece.sequence === 'A' ? 0 : 1;
        const source = encodings[index];
        if (!source) continue;
        // The input encodings are ours to consume; copy only if a template repeats a sequence.
        const copy = used[index] ? cloneEncoding(source) : source;
        used[index] = true;
        setTypeIds(copy, piece.typeId);
        setSequenceId(copy, index);
        out.push(copy);
      } else if (addSpecialTokens) {
        const special = this.specialTokens.get(piece.name)!;
        out.push(specialEncoding(special.ids, special.tokens, piece.typeId));
      }
    }
    return out;
  }
}

/** Parses a piece: `{"Sequence": {"id": "A", "type_id": 0}}`, `{"SpecialToken": …}` or a string like `$B:1`, `[SEP]:1`. */
function parsePiece(value: unknown, path: string): TemplatePiece {
  if (typeof value === 'string') {
    const colon = value.lastIndexOf(':');
    const hasType = colon > 0 && /^\d+$/.test(value.slice(colon + 1));
    const name = hasType ? value.slice(0, colon) : value;
    const typeId = hasType ? Number(value.slice(colon + 1)) : 0;
    if (name.startsWith('$')) {
      const which = name.slice(1);
      if (which === '' || which === 'A' || which === '0') return { kind: 'sequence', sequence: 'A', typeId };
      if (which === 'B' || which === '1') return { kind: 'sequence', sequence: 'B', typeId: hasType ? typeId : 0 };
      if (/^\d+$/.test(which)) return { kind: 'sequence', sequence: 'A', typeId: Number(which) };
      throw new TokenizerConfigError(path, `unknown sequence ${JSON.stringify(name)}`);
    }
    return { kind: 'special', name, typeId };
  }
  const config = asObject(value, path);
  if ('Sequence' in config) {
    const sequence = asObject(config.Sequence, `${path}.Sequence`);
    const id = asString(sequence.id, `${path}.Sequence.id`);
    if (id !== 'A' && id !== 'B') throw new TokenizerConfigError(`${path}.Sequence.id`, `expected "A" or "B", got ${JSON.stringify(id)}`);
    return { kind: 'sequence', sequence: id, typeId: asInt(sequence.type_id ?? 0, `${path}.Sequence.type_id`) };
  }
  if ('SpecialToken' in config) {
    const special = asObject(config.SpecialToken, `${path}.SpecialToken`);
    return { kind: 'special', name: asString(special.id, `${path}.SpecialToken.id`), typeId: asInt(special.type_id ?? 0, `${path}.SpecialToken.type_id`) };
  }
  throw new TokenizerConfigError(path, `expected {"Sequence": …} or {"SpecialToken": …}, got ${describeValue(value)}`);
}

function parseTemplate(value: unknown, path: string): TemplatePiece[] {
  const list = typeof value === 'string' ? value.split(/\s+/).filter((s) => s.length > 0) : asArray(value, path);
  return list.map((piece, k) => parsePiece(piece, `${path}[${k}]`));
}

export function templateFromJSON(config: JsonObject, path: string): TemplateProcessing {
  const special = new Map<string, TemplateSpecialToken>();
  const raw = asObject(config.special_tokens ?? {}, `${path}.special_tokens`);
  for (const key of Object.keys(raw)) {
    const at = `${path}.special_tokens[${JSON.stringify(key)}]`;
    const entry = asObject(raw[key], at);
    const ids = asArray(entry.ids, `${at}.ids`).map((id, k) => asInt(id, `${at}.ids[${k}]`));
    const tokens = asArray(entry.tokens, `${at}.tokens`).map((t, k) => asString(t, `${at}.tokens[${k}]`));
    if (ids.length !== tokens.length) throw new TokenizerConfigError(at, `has ${ids.length} ids but ${tokens.length} tokens`);
    special.set(asString(entry.id ?? key, `${at}.id`), { ids, tokens });
  }
  const single = parseTemplate(config.single, `${path}.single`);
  const pair = config.pair == null ? [...single, { kind: 'sequence', sequence: 'B', typeId: 1 } as const] : parseTemplate(config.pair, `${path}.pair`);
  return new TemplateProcessing(single, pair, special);
}
