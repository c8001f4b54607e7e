/**
 * A bounded cache of tokenized words, laid out for the hot loop: keys are looked up by a range of
 * the input (the caller hashes the characters with `hashRange`; no substring, no V8 string hashing),
 * and keys and results live in flat typed-array pools, so a hit touches a few contiguous cache lines
 * instead of chasing string and array objects. When `capacity` words are stored it starts over empty,
 * so memory stays bounded whatever the input.
 */
export class WordCache {
  private readonly slots: Int32Array; // entry + 1 per slot; 0 = empty
  private readonly mask: number;
  private readonly hashes: Int32Array;
  private readonly keyStarts: Int32Array;
  private readonly keyLengths: Int32Array;
  /** Where each entry's `[id, start, end]` triples begin in `values`, and how many ints they take. */
  readonly valueStarts: Int32Array;
  readonly valueLengths: Int32Array;
  values = new Int32Array(1 << 16);
  private keys = new Uint16Array(1 << 16);
  private count = 0;
  private keyEnd = 0;
  private valueEnd = 0;

  constructor(readonly capacity: number) {
    let size = 16;
    while (size < capacity * 2) size *= 2;
    this.slots = new Int32Array(size);
    this.mask = size - 1;
    this.hashes = new Int32Array(capacity);
    this.keyStarts = new Int32Array(capacity);
    this.keyLengths = new Int32Array(capacity);
    this.valueStarts = new Int32Array(capacity);
    this.valueLengths = new Int32Array(capacity);
  }

  /** FNV-1a over the UTF-16 code units of `text[start, end)`. */
  static hashRange(text: string, start: number, end: number): number {
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    return h;
  }

  /** The entry holding `text[start, end)`, or -1. */
  find(text: string, start: number, end: number, hash: number): number {
    const length = end - start;
    const keys = this.keys;
    let slot = hash & this.mask;
    for (;;) {
      const entry = this.slots[slot] - 1;
      if (entry < 0) return -1;
      if (this.hashes[entry] === hash && this.keyLengths[entry] === length) {
        const at = this.keyStarts[entry] - start;
        let i = start;
        while (i < end && keys[at + i] === text.charCodeAt(i)) i++;
        if (i === end) return entry;
      }
      slot = (slot + 1) & this.mask;
    }
  }

  /** Stores the triples of `text[start, end)`; returns the new entry. */
  add(text: string, start: number, end: number, hash: number, triples: Int32Array): number {
    const length = end - start;
    if (this.count >= this.capacity) this.clear();
    if (this.keyEnd + length > this.keys.length) this.keys = grow(this.keys, this.keyEnd + length);
    if (this.valueEnd + triples.length > this.values.length) this.values = grow(this.values, this.valueEnd + triples.length);
    const entry = this.count++;
    for (let i = 0; i < length; i++) this.keys[this.keyEnd + i] = text.charCodeAt(start + i);
    this.values.set(triples, this.valueEnd);
    this.hashes[entry] = hash;
    this.keyStarts[entry] = this.keyEnd;
    this.keyLengths[entry] = length;
    this.valueStarts[entry] = this.valueEnd;
    this.valueLengths[entry] = triples.length;
    this.keyEnd += length;
    this.valueEnd += triples.length;
    let slot = hash & this.mask;
    while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask;
    this.slots[slot] = entry + 1;
    return entry;
  }

  clear(): void {
    this.slots.fill(0);
    this.count = 0;
    this.keyEnd = 0;
    this.valueEnd = 0;
  }
}

function grow<T extends Uint16Array | Int32Array>(array: T, need: number): T {
  let size = array.length * 2;
  while (size < need) size *= 2;
  const bigger = new (array.constructor as new (n: number) => T)(size);
  bigger.set(array);
  return bigger;
}
