/**
 * A normalized string that remembers, for each of its UTF-16 code units, which range of the ORIGINAL
 * input it came from. That is what lets `encode` report offsets into the caller's string after
 * lowercasing, NFD, accent stripping or inserted spaces.
 *
 * Identity is the common case (GPT-2 has no normalizer; BERT on plain ASCII only lowercases), so it
 * is represented without arrays: unit `i` comes from `[base + i, base + i + 1)`.
 */
export class NormalizedString {
  constructor(
    /** The normalized text. */
    readonly text: string,
    /** Original start of each code unit, or null for identity. */
    private readonly starts: Int32Array | null,
    /** Original end (exclusive) of each code unit, or null for identity. */
    private readonly ends: Int32Array | null,
    /** Identity only: original index of unit 0. */
    private readonly base: number,
    /** Original position reported for an empty string. */
    private readonly emptyAt: number,
  ) {}

  /** `original.slice(start, end)` as an (identity-aligned) normalized string. */
  static identity(original: string, start: number, end: number): NormalizedString {
    return new NormalizedString(original.slice(start, end), null, null, start, start);
  }

  get isIdentity(): boolean {
    return this.starts === null;
  }

  /** Original start of code unit `i`. */
  originalStart(i: number): number {
    if (this.starts === null) return this.base + i;
    return i < this.starts.length ? this.starts[i] : this.originalEnd(this.starts.length - 1);
  }

  /** Original end (exclusive) of code unit `i`. */
  originalEnd(i: number): number {
    if (this.ends === null) return this.base + i + 1;
    return i >= 0 ? this.ends[i] : this.emptyAt;
  }

  /** Writes the original range of normalized `[start, end)` into `out[at]`, `out[at + 1]`. */
  originalRange(start: number, end: number, out: number[], at: number): void {
    if (this.starts === null) {
      out[at] = this.base + start;
      out[at + 1] = this.base + end;
    } else if (start >= end) {
      const p = start < this.starts.length ? this.starts[start] : this.originalEnd(this.starts.length - 1);
      out[at] = p;
      out[at + 1] = p;
    } else {
      // Alignments are monotone except inside reordered combining sequences; take the hull.
      let lo = this.starts[start];
      let hi = this.ends![end - 1];
      if (this.starts[end - 1] < lo) lo = this.starts[end - 1];
      if (this.ends![start] > hi) hi = this.ends![start];
      out[at] = lo;
      out[at + 1] = hi;
    }
  }

  /** The normalized sub-string `[start, end)`, keeping its alignment. */
  slice(start: number, end: number): NormalizedString {
    if (this.starts === null) {
      return new NormalizedString(this.text.slice(start, end), null, null, this.base + start, this.base + start);
    }
    return new NormalizedString(
      this.text.slice(start, end),
      this.starts.slice(start, end),
      this.ends!.slice(start, end),
      0,
      this.originalStart(start),
    );
  }

  /** Prepends `prefix`, aligned to the first character (HF `NormalizedString::prepend`). */
  prepend(prefix: string): NormalizedString {
    if (this.text.length === 0) return this;
    const builder = new NormalizedBuilder(this.text.length + prefix.length);
    const firstEnd = this.originalEnd(0);
    builder.push(prefix, this.originalStart(0), firstEnd);
    builder.copyFrom(this, 0, this.text.length);
    return builder.build(this.emptyAt);
  }

  /** Appends `suffix`, aligned to the last character. */
  append(suffix: string): NormalizedString {
    if (this.text.length === 0) return this;
    const builder = new NormalizedBuilder(this.text.length + suffix.length);
    builder.copyFrom(this, 0, this.text.length);
    const last = this.text.length - 1;
    builder.push(suffix, this.originalStart(last), this.originalEnd(last));
    return builder.build(this.emptyAt);
  }

  /** Where an empty result of a transformation of this string should point. */
  get emptyPosition(): number {
    return this.emptyAt;
  }
}

/**
 * Accumulates normalized text piece by piece with the original range of each code unit, in typed
 * arrays (no per-character strings or objects).
 */
export class NormalizedBuilder {
  private units: Uint16Array;
  private starts: Int32Array;
  private ends: Int32Array;
  private length = 0;

  constructor(capacity: number) {
    const size = Math.max(16, capacity);
    this.units = new Uint16Array(size);
    this.starts = new Int32Array(size);
    this.ends = new Int32Array(size);
  }

  private reserve(extra: number): void {
    const need = this.length + extra;
    if (need <= this.units.length) return;
    const size = Math.max(need, this.units.length * 2);
    const units = new Uint16Array(size);
    const starts = new Int32Array(size);
    const ends = new Int32Array(size);
    units.set(this.units.subarray(0, this.length));
    starts.set(this.starts.subarray(0, this.length));
    ends.set(this.ends.subarray(0, this.length));
    this.units = units;
    this.starts = starts;
    this.ends = ends;
  }

  /** Appends one code unit that maps to original `[start, end)`. */
  pushUnit(unit: number, start: number, end: number): void {
    if (this.length === this.units.length) this.reserve(1);
    const n = this.length++;
    this.units[n] = unit;
    this.starts[n] = start;
    this.ends[n] = end;
  }

  /** Appends `text`; every code unit of it maps to original `[start, end)`. */
  push(text: string, start: number, end: number): void {
    const n = text.length;
    this.reserve(n);
    for (let k = 0; k < n; k++) {
      this.units[this.length] = text.charCodeAt(k);
      this.starts[this.length] = start;
      this.ends[this.length] = end;
      this.length++;
    }
  }

  /** Appends `source.text[from, to)` with its own alignment. */
  copyFrom(source: NormalizedString, from: number, to: number): void {
    const n = to - from;
    if (n <= 0) return;
    this.reserve(n);
    const text = source.text;
    for (let k = from; k < to; k++) {
      this.units[this.length] = text.charCodeAt(k);
      this.starts[this.length] = source.originalStart(k);
      this.ends[this.length] = source.originalEnd(k);
      this.length++;
    }
  }

  /** True when unit `i` maps to `[base + i, base + i + 1)` for every unit (the alignment is the identity). */
  isIdentityFrom(base: number): boolean {
    for (let i = 0; i < this.length; i++) if (this.starts[i] !== base + i || this.ends[i] !== base + i + 1) return false;
    return true;
  }

  text(): string {
    let out = '';
    for (let at = 0; at < this.length; at += 8192) {
      out += String.fromCharCode.apply(null, this.units.subarray(at, Math.min(this.length, at + 8192)) as unknown as number[]);
    }
    return out;
  }

  build(emptyAt: number): NormalizedString {
    return new NormalizedString(this.text(), this.starts.slice(0, this.length), this.ends.slice(0, this.length), 0, emptyAt);
  }
}
