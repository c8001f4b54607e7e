import { mergeEncodings, setSequenceId, type Encoding } from '../encoding.js';

/**
 * A post-processor adds the model's special tokens ([CLS] A [SEP] B [SEP], <s> A </s></s> B </s>)
 * and sets type ids. Shaped like HF's trait: `processEncodings` works on the list of encodings
 * (one per input sequence), and `process` merges the result.
 */
export interface PostProcessor {
  /** How many tokens `process` adds for a single sequence or a pair (truncation leaves room for them). */
  addedTokens(isPair: boolean): number;
  processEncodings(encodings: Encoding[], addSpecialTokens: boolean): Encoding[];
}

/** HF `PostProcessor::process`: number the sequences, process them, merge into one encoding. */
export function postProcess(
  processor: PostProcessor | null,
  encoding: Encoding,
  pair: Encoding | null,
  addSpecialTokens: boolean,
): Encoding {
  const encodings = pair ? [encoding, pair] : [encoding];
  if (processor === null) {
    if (pair) encodings.forEach((e, i) => setSequenceId(e, i));
    return mergeEncodings(encodings);
  }
  encodings.forEach((e, i) => setSequenceId(e, i));
  return mergeEncodings(processor.processEncodings(encodings, addSpecialTokens));
}
