/**
 * Bounds on numbers that come from tokenizer.json files and from call options. Hugging Face uses
 * u32 / usize for these and lets Rust's allocator fail; in JavaScript an absurd value either allocates
 * for minutes until the process dies or fails with an untyped RangeError, so values past these bounds
 * are a typed error that names the field or option instead.
 */

/**
 * Largest token id, 2^31 − 1. Ids travel in Int32Arrays (the word cache, the merge table), and no
 * embedding matrix has 2^31 rows; a larger id is a broken file, not a big model.
 */
export const MAX_TOKEN_ID = 2 ** 31 - 1;

/**
 * Largest sequence length (`maxLength`, `padToMultipleOf`, `stride`, tokenizer.json `padding` and
 * `truncation` lengths, and any padded length), 2^24 = 16,777,216 tokens: above every context length a
 * released model uses (10M tokens at most), yet small enough that padding one sequence to it still fits
 * in memory (eight arrays of 2^24 entries). 2^32, which the Rust types allow, would need >100 GB.
 */
export const MAX_SEQUENCE_LENGTH = 2 ** 24;

/**
 * Deepest nesting of components (`Sequence` inside `Sequence`…). Hugging Face parses tokenizer.json
 * with serde_json, which refuses JSON nested deeper than 128 levels, i.e. 64 levels of
 * `{"type": "Sequence", "normalizers": [ … ]}`; deeper nesting here would overflow the stack.
 */
export const MAX_COMPONENT_DEPTH = 64;

/** Is `value` an integer in [min, max]? (NaN, ±Infinity, 1.5, '3' and 1e300 > max all fail.) */
export function isIntegerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}
