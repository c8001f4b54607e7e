import type { Encoding } from '../encoding.js';
import { TokenizerConfigError } from '../errors.js';
import { asArray, type JsonObject } from '../json.js';
import type { PostProcessor } from './post-processor.js';

/** HF post-processor `Sequence`: each processor works on the previous one's output. */
export class PostProcessorSequence implements PostProcessor {
  constructor(readonly processors: readonly PostProcessor[]) {}

  addedTokens(isPair: boolean): number {
    return this.processors.reduce((sum, p) => sum + p.addedTokens(isPair), 0);
  }

  processEncodings(encodings: Encoding[], addSpecialTokens: boolean): Encoding[] {
    let current = encodings;
    for (const processor of this.processors) current = processor.processEncodings(current, addSpecialTokens);
    return current;
  }
}

export function sequenceFromJSON(
  config: JsonObject,
  path: string,
  build: (value: unknown, path: string) => PostProcessor,
): PostProcessorSequence {
  const list = asArray(config.processors, `${path}.processors`);
  if (list.length === 0) throw new TokenizerConfigError(`${path}.processors`, 'expected at least one post-processor');
  return new PostProcessorSequence(list.map((item, k) => build(item, `${path}.processors[${k}]`)));
}
