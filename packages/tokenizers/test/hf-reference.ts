import { createRequire } from 'node:module';

/**
 * Hugging Face's own tokenizers (the Rust library through its Node binding, the `tokenizers`
 * devDependency): an independent implementation that computes reference ids for inputs too large to
 * keep as fixtures. It runs offline from a tokenizer.json string.
 */
interface HfEncoding {
  getIds(): number[];
}
interface HfTokenizer {
  encode(text: string, pair: string | null, options: { addSpecialTokens: boolean }): Promise<HfEncoding>;
  decode(ids: number[], skipSpecialTokens: boolean): Promise<string>;
}
const { Tokenizer: HfTokenizerClass } = createRequire(import.meta.url)('tokenizers') as {
  Tokenizer: { fromString(json: string): HfTokenizer };
};

export function hfTokenizer(json: unknown): HfTokenizer {
  return HfTokenizerClass.fromString(typeof json === 'string' ? json : JSON.stringify(json));
}

export async function hfIds(tokenizer: HfTokenizer, text: string, addSpecialTokens = false): Promise<number[]> {
  return (await tokenizer.encode(text, null, { addSpecialTokens })).getIds();
}
