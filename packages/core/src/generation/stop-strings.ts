import type { GenerationTokenizer } from './decoder.js';

/**
 * HF `StopStringCriteria`: a row stops once a stop string appears in its text and ends inside the
 * newest token (the token may run past it, and the string may start in the prompt). Only a window of
 * recent tokens is decoded, long enough to hold the longest stop string: a token yields at least one
 * UTF-8 byte and a character is at most four.
 */
export class StopStrings {
  private readonly window: number;

  constructor(
    private readonly tokenizer: GenerationTokenizer,
    private readonly stopStrings: readonly string[],
  ) {
    this.window = 4 * Math.max(...stopStrings.map((s) => s.length)) + 2;
  }

  /** Whether `newest`, following `sequence` (prompt + generated so far), has just produced a stop string. */
  matches(sequence: readonly number[], newest: number): boolean {
    const recent = [...sequence.slice(1 - this.window), newest];
    const options = { skipSpecialTokens: false, cleanUpTokenizationSpaces: false };
    const text = this.tokenizer.decode(recent, options);
    const before = this.tokenizer.decode(recent.slice(0, -1), options);
    let common = 0; // text before the newest token, up to where the newest token changed it
    while (common < before.length && common < text.length && before[common] === text[common]) common++;
    return this.stopStrings.some((stop) => text.indexOf(stop, Math.max(0, common - stop.length + 1)) !== -1);
  }
}
