import { CHAR_TO_BYTE } from '../byte-level.js';
import type { Decoder } from './decoder.js';

const utf8 = new TextEncoder();

/** Appends the bytes a token stands for: its byte-level characters, or its own UTF-8 when it is not byte-level (an added token). */
export function tokenBytes(token: string, out: number[]): void {
  const mark = out.length;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    const b = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
    if (b < 0) {
      out.length = mark;
      for (const byte of utf8.encode(token)) out.push(byte);
      return;
    }
    out.push(b);
  }
}

/** HF `ByteLevel` decoder: byte-level characters back to bytes, bytes to text (invalid UTF-8 → U+FFFD). */
export class ByteLevelDecoder implements Decoder {
  private readonly utf8 = new TextDecoder('utf-8', { ignoreBOM: true }); // keep a leading U+FEFF, as HF does

  decodeChain(tokens: string[]): string[] {
    const bytes: number[] = [];
    for (const token of tokens) tokenBytes(token, bytes);
    return [this.utf8.decode(Uint8Array.from(bytes))];
  }
}
