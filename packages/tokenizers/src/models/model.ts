import { IdTable } from '../id-table.js';

/**
 * A model turns one pre-tokenized word into tokens. The result is a flat `Int32Array` of
 * `[id, start, end]` triples, positions in UTF-16 code units of `word` — no per-token objects, so
 * results can be cached and replayed cheaply.
 */
export interface Model {
  /** Number of entries in the model's vocabulary (added tokens not included). */
  readonly vocabSize: number;
  tokenize(word: string): Int32Array;
  tokenToId(token: string): number | undefined;
  idToToken(id: number): string | undefined;
  getVocab(): Map<string, number>;
  /** The model's unknown token, if it has one. */
  readonly unkToken: string | null;
}


/** What every vocabulary-backed model shares: the vocabulary and its token ↔ id lookups. */
export abstract class VocabularyModel implements Model {
  readonly vocabSize: number;
  abstract readonly unkToken: string | null;
  protected readonly vocabR: IdTable;

  constructor(protected readonly vocab: Map<string, number>) {
    this.vocabSize = vocab.size;
    this.vocabR = new IdTable(vocab, 'model.vocab');
  }

  abstract tokenize(word: string): Int32Array;

  tokenToId(token: string): number | undefined {
    return this.vocab.get(token);
  }

  idToToken(id: number): string | undefined {
    return this.vocabR.get(id);
  }

  getVocab(): Map<string, number> {
    return new Map(this.vocab);
  }
}
