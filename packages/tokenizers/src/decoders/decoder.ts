/**
 * A decoder turns token strings back into text. As in HF, `decodeChain` maps tokens to text pieces
 * (so decoders can be chained by `Sequence`) and the final text is the pieces joined.
 */
export interface Decoder {
  decodeChain(tokens: string[]): string[];
}

export function decodeTokens(decoder: Decoder, tokens: string[]): string {
  return decoder.decodeChain(tokens).join('');
}
