/**
 * GPT-2's byte ↔ unicode table (`bytes_to_unicode` in openai/gpt-2 encoder.py): printable bytes map to
 * themselves, the other 68 bytes to U+0100.. in order, so every byte is a visible character ("Ġ" is
 * the space). Shared by the ByteLevel pre-tokenizer, post-processor and decoder.
 */
export const BYTE_TO_CHAR: readonly string[] = (() => {
  const table: string[] = new Array(256);
  let next = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    table[b] = String.fromCharCode(printable ? b : 256 + next++);
  }
  return table;
})();

/** Inverse of BYTE_TO_CHAR indexed by char code (all codes are < 0x144); -1 where there is no byte. */
export const CHAR_TO_BYTE: Int16Array = (() => {
  const table = new Int16Array(0x200).fill(-1);
  for (let b = 0; b < 256; b++) table[BYTE_TO_CHAR[b].charCodeAt(0)] = b;
  return table;
})();

/** The byte-level spelling of `text[start, end)`: one character per UTF-8 byte. */
export function toByteLevel(text: string, start: number, end: number): string {
  let out = '';
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      out += BYTE_TO_CHAR[c];
    } else if (c < 0x800) {
      out += BYTE_TO_CHAR[0xc0 | (c >> 6)] + BYTE_TO_CHAR[0x80 | (c & 0x3f)];
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < end && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      const cp = 0x10000 + ((c - 0xd800) << 10) + (text.charCodeAt(i + 1) - 0xdc00);
      i++;
      out +=
        BYTE_TO_CHAR[0xf0 | (cp >> 18)] +
        BYTE_TO_CHAR[0x80 | ((cp >> 12) & 0x3f)] +
        BYTE_TO_CHAR[0x80 | ((cp >> 6) & 0x3f)] +
        BYTE_TO_CHAR[0x80 | (cp & 0x3f)];
    } else {
      // Lone surrogates never get here (encode replaces them with U+FFFD first); if one does, it is
      // encoded as U+FFFD like TextEncoder would.
      const cp = c >= 0xd800 && c <= 0xdfff ? 0xfffd : c;
      out += BYTE_TO_CHAR[0xe0 | (cp >> 12)] + BYTE_TO_CHAR[0x80 | ((cp >> 6) & 0x3f)] + BYTE_TO_CHAR[0x80 | (cp & 0x3f)];
    }
  }
  return out;
}
