/**
 * Dataset files read line by line into rows: plain text (a document per line or per blank-line-separated
 * paragraph), JSON Lines and tab-separated values with a header. Bad lines are `DatasetError`s naming the
 * file and line.
 */
import { InputError } from '@attnjs/core';
import { checkOptions } from '@attnjs/core/internal';
import { DatasetError, type DatasetRow, readLines } from './lines.js';

export interface TextFileOptions {
  /** `line`: each non-empty line is a document; `paragraph` (default): blocks separated by blank lines, joined by \n. */
  readonly unit?: 'line' | 'paragraph';
}

/** Documents of a text file as rows with one field, `text`. Whitespace-only lines separate paragraphs and are never documents. */
export async function* readText(file: string, options: TextFileOptions = {}): AsyncGenerator<DatasetRow> {
  checkOptions(options, ['unit'], 'readText');
  const { unit = 'paragraph' } = options;
  if (unit !== 'line' && unit !== 'paragraph') throw new InputError(`readText unit must be "line" or "paragraph", got ${JSON.stringify(unit)}`);
  let block: string[] = [];
  let first = 0;
  for await (const { text, line } of readLines(file)) {
    const blank = text.trim() === '';
    if (unit === 'line') {
      if (!blank) yield { file, line, fields: { text } };
    } else if (blank) {
      if (block.length > 0) yield { file, line: first, fields: { text: block.join('\n') } };
      block = [];
    } else {
      if (block.length === 0) first = line;
      block.push(text);
    }
  }
  if (block.length > 0) yield { file, line: first, fields: { text: block.join('\n') } };
}

export interface JsonlOptions {
  /** A field every record must have as a string (the text to tokenize): checked as each line is read. */
  readonly field?: string;
}

/** JSON Lines: one object per non-blank line, its keys the row's fields. */
export async function* readJsonl(file: string, options: JsonlOptions = {}): AsyncGenerator<DatasetRow> {
  checkOptions(options, ['field'], 'readJsonl');
  const { field } = options;
  for await (const { text, line } of readLines(file)) {
    if (text.trim() === '') continue;
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch (error) {
      throw new DatasetError(file, line, `not JSON (${(error as Error).message})`);
    }
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      throw new DatasetError(file, line, `expected a JSON object, got ${Array.isArray(record) ? 'an array' : JSON.stringify(record)}`);
    }
    if (field !== undefined && typeof (record as Record<string, unknown>)[field] !== 'string') {
      throw new DatasetError(file, line, `field "${field}" is ${describeValue((record as Record<string, unknown>)[field])}, expected a string`);
    }
    yield { file, line, fields: record as Record<string, unknown> };
  }
}

/**
 * Tab-separated values whose first line names the columns (as GLUE's train.tsv). Every row must have
 * exactly that many cells; there is no quoting (GLUE's files have none), so a tab always separates.
 */
export async function* readTsv(file: string): AsyncGenerator<DatasetRow> {
  let columns: string[] | undefined;
  for await (const { text, line } of readLines(file)) {
    if (columns === undefined) {
      columns = text.split('\t');
      const repeated = columns.find((c, i) => columns!.indexOf(c) !== i);
      if (columns.some((c) => c === '') || repeated !== undefined) {
        throw new DatasetError(file, line, `the header must name each column once, got ${JSON.stringify(columns)}`);
      }
      continue;
    }
    if (text === '') continue; // a trailing newline
    const cells = text.split('\t');
    if (cells.length !== columns.length) {
      throw new DatasetError(file, line, `${cells.length} cells for the ${columns.length} columns ${columns.join(', ')}`);
    }
    yield { file, line, fields: Object.fromEntries(columns.map((c, i) => [c, cells[i]!])) };
  }
  if (columns === undefined) throw new DatasetError(file, 1, 'the file is empty: a TSV file needs a header line');
}

export const describeValue = (value: unknown): string => (value === undefined ? 'missing' : JSON.stringify(value) ?? String(value));
