import { InputError } from '@attnjs/core';
import { checkOptions } from '@attnjs/core/internal';
import { DatasetError, type DatasetRow } from './lines.js';
import { describeValue } from './readers.js';

/** What tokenizing needs of a tokenizer (`@attnjs/tokenizers`' `Tokenizer` fits). */
export interface TextTokenizer {
  encode(text: string, options?: { pair?: string | null; truncation?: boolean; maxLength?: number }): { ids: number[]; typeIds: number[] };
}

/** One tokenized example, still unpadded, with where its row came from. */
export interface TokenizedExample {
  readonly inputIds: number[];
  readonly tokenTypeIds: number[];
  /** Per-token labels (causal LM: the ids) or one label for the whole example (classification). */
  readonly labels?: number[] | number;
  readonly file: string;
  readonly line: number;
}

export interface TokenizeOptions {
  readonly tokenizer: TextTokenizer;
  /** The field holding the text, or two fields for a sentence pair (e.g. `['question', 'sentence']`). */
  readonly text: string | readonly [string, string];
  /** A field holding an integer class (a number, or digits as in TSV files): the example's label. */
  readonly label?: string;
  /** Labels are the input ids (the model shifts them), for causal-LM training. */
  readonly causalLM?: boolean;
  /** Truncate to this many tokens (special tokens included). */
  readonly maxLength?: number;
}

/** Tokenizes rows on the fly as they stream by: nothing is tokenized before it is needed. */
export async function* tokenizeRows(rows: AsyncIterable<DatasetRow> | Iterable<DatasetRow>, options: TokenizeOptions): AsyncGenerator<TokenizedExample> {
  checkOptions(options, ['tokenizer', 'text', 'label', 'causalLM', 'maxLength'], 'tokenizeRows');
  const { tokenizer, text, label, causalLM = false, maxLength } = options;
  if (!tokenizer || typeof tokenizer.encode !== 'function') throw new InputError('tokenizeRows needs a tokenizer with encode()');
  if (label !== undefined && causalLM) throw new InputError('tokenizeRows: label and causalLM are two kinds of labels; give one');
  if (maxLength !== undefined && (!Number.isInteger(maxLength) || maxLength < 1)) throw new InputError(`tokenizeRows maxLength must be an integer ≥ 1, got ${maxLength}`);
  const [first, second] = typeof text === 'string' ? [text, undefined] : text;
  for await (const row of rows) {
    const encoded = tokenizer.encode(textField(row, first), {
      ...(second !== undefined ? { pair: textField(row, second) } : {}),
      ...(maxLength !== undefined ? { truncation: true, maxLength } : {}),
    });
    const example = { inputIds: encoded.ids, tokenTypeIds: encoded.typeIds, file: row.file, line: row.line };
    if (causalLM) yield { ...example, labels: [...encoded.ids] };
    else if (label !== undefined) yield { ...example, labels: classLabel(row, label) };
    else yield example;
  }
}

function textField(row: DatasetRow, field: string): string {
  const value = row.fields[field];
  if (typeof value !== 'string') throw new DatasetError(row.file, row.line, `field "${field}" is ${describeValue(value)}, expected a string`);
  return value;
}

function classLabel(row: DatasetRow, field: string): number {
  const value = row.fields[field];
  const number = typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 0) {
    throw new DatasetError(row.file, row.line, `label field "${field}" is ${describeValue(value)}, expected an integer class ≥ 0`);
  }
  return number;
}
