import { TokenizerConfigError } from './errors.js';
import { describeValue } from './json.js';
import { isIntegerIn, MAX_TOKEN_ID } from './limits.js';

/**
 * id → token string. Real vocabularies number their tokens 0…n−1, so a plain array is used; a
 * vocabulary with far-apart ids (`{"a": 300000000}`) gets a Map instead, so it costs one entry rather
 * than a 300-million-slot array. Lookups of absent ids give undefined either way.
 */
export class IdTable {
  private readonly dense: string[] | null;
  /** 1 where `dense` holds a token (the array itself stays packed: '' fills the gaps). */
  private readonly present: Uint8Array | null;
  private readonly sparse: Map<number, string> | null;

  /** `entries` are `[token, id]`; a later entry for the same id wins. `source` names them in errors. */
  constructor(entries: Iterable<readonly [string, number]>, source: string) {
    const list = [...entries];
    let maxId = -1;
    for (const [token, id] of list) {
      if (!isIntegerIn(id, 0, MAX_TOKEN_ID)) {
        throw new TokenizerConfigError(`${source}[${JSON.stringify(token)}]`, `expected a token id (an integer in [0, ${MAX_TOKEN_ID}]), got ${describeValue(id)}`);
      }
      if (id > maxId) maxId = id;
    }
    if (maxId < 2 * list.length + 1024) {
      this.dense = [];
      for (let id = 0; id <= maxId; id++) this.dense.push(''); // packed, not holey
      this.sparse = null;
      const present = new Uint8Array(maxId + 1);
      for (const [token, id] of list) {
        this.dense[id] = token;
        present[id] = 1;
      }
      this.present = present;
    } else {
      this.dense = null;
      this.sparse = new Map(list.map(([token, id]) => [id, token]));
      this.present = null;
    }
  }

  get(id: number): string | undefined {
    if (this.dense !== null) return this.present![id] === 1 ? this.dense[id] : undefined;
    return this.sparse!.get(id);
  }
}
