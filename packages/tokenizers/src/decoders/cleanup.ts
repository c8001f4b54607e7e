/**
 * transformers' `clean_up_tokenization`: removes the space the word-joining decoders put before
 * punctuation and English contractions.
 */
export function cleanUpTokenization(text: string): string {
  return text
    .replaceAll(' .', '.')
    .replaceAll(' ?', '?')
    .replaceAll(' !', '!')
    .replaceAll(' ,', ',')
    .replaceAll(" ' ", "'")
    .replaceAll(" n't", "n't")
    .replaceAll(" 'm", "'m")
    .replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve")
    .replaceAll(" 're", "'re");
}

/** The Rust WordPiece decoder's `cleanup` (per token), which also turns " do not" into " don't". */
export function cleanUpWordPiece(text: string): string {
  // No other rule creates or consumes " do not", so applying it first gives the Rust order's result.
  return cleanUpTokenization(text.replaceAll(' do not', " don't"));
}
