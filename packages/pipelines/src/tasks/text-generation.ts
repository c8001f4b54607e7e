/**
 * `text-generation`, with Hugging Face's semantics (transformers/pipelines/text_generation.py): prompts
 * in, `{ generated_text }` out — the prompt followed by its continuation, or the continuation alone with
 * `returnFullText: false` — through the model's `generate` (every option passed on; defaults from the
 * folder's generation_config.json). `stream` yields the text as it is generated.
 */
import { GENERATE_OPTIONS, type GenerateOptions, type GenerationChunk, InputError, type PreTrainedModel, type PromptIds, UnsupportedError } from '@attnjs/core';
import { checkBoolean } from '@attnjs/core/internal';
import { GPT2LMHeadModel } from '@attnjs/gpt';
import type { Tokenizer } from '@attnjs/tokenizers';
import { batchSizeOption, checkText, checkTexts, chunks } from '../batching.js';
import type { PipelineBase } from '../pipeline.js';
import type { PipelineContext, TaskDefinition } from '../registry.js';

export interface TextGenerationResult {
  readonly generated_text: string;
}

/** `generate`'s options (the pipeline supplies the tokenizer and the attention mask), and the pipeline's own. */
export type TextGenerationOptions = Omit<GenerateOptions, 'tokenizer' | 'attentionMask' | 'outputScores'> & {
  /** The prompt followed by the new text (default), or only the new text. */
  readonly returnFullText?: boolean;
  /** Prompts per `generate` call; default 8. */
  readonly batchSize?: number;
};

/** One prompt → one result per returned sequence; a list of prompts → one such list per prompt. */
export interface TextGenerationPipeline extends PipelineBase {
  (prompt: string, options?: TextGenerationOptions): Promise<TextGenerationResult[]>;
  (prompts: readonly string[], options?: TextGenerationOptions): Promise<TextGenerationResult[][]>;
  /** The text as it is generated, through the tokenizer's incremental decoder: the prompt first (unless `returnFullText: false`), then each new piece. */
  stream(prompt: string, options?: TextGenerationOptions): AsyncGenerator<string, void, undefined>;
}

interface CausalLMModel extends PreTrainedModel {
  generate(inputIds: PromptIds, options?: GenerateOptions): Promise<number[][]>;
  generateStream(inputIds: PromptIds, options?: GenerateOptions): AsyncGenerator<GenerationChunk, unknown>;
}

const WHERE = "pipeline('text-generation')";
const PASSED_ON = GENERATE_OPTIONS.filter((name) => !['tokenizer', 'attentionMask', 'outputScores'].includes(name));

/** The prompt's ids, without special tokens, as HF's text-generation preprocessing tokenizes. */
function promptIds(tokenizer: Tokenizer, prompt: string, name: string): number[] {
  const ids = tokenizer.encodeIds(prompt, { addSpecialTokens: false });
  if (ids.length === 0) throw new InputError(`${WHERE}: ${name} has no tokens`);
  return ids;
}

function splitOptions(options: Readonly<Record<string, unknown>>) {
  const { returnFullText, batchSize, ...generate } = options;
  return {
    returnFullText: returnFullText === undefined ? true : checkBoolean(returnFullText, 'returnFullText', WHERE),
    batchSize: batchSizeOption(batchSize, WHERE),
    generate: generate as GenerateOptions,
  };
}

/**
 * HF's postprocessing: the new text is the decoded sequence minus as many characters as the decoded
 * prompt has (special tokens skipped), so decoding across the prompt boundary is done once, whole.
 */
function generatedText(tokenizer: Tokenizer, prompt: string, ids: number[], sequence: number[], fullText: boolean): string {
  const text = tokenizer.decode(sequence, { skipSpecialTokens: true });
  const promptLength = tokenizer.decode(ids, { skipSpecialTokens: true }).length;
  return (fullText ? prompt : '') + text.slice(promptLength);
}

function create(context: PipelineContext) {
  const model = context.model as CausalLMModel;
  const { tokenizer } = context;
  return {
    async run(inputs: unknown, options: Readonly<Record<string, unknown>>) {
      const { texts, single } = checkTexts(inputs, WHERE);
      const { returnFullText, batchSize, generate } = splitOptions(options);
      const ids = texts.map((text, i) => promptIds(tokenizer, text, single ? 'the prompt' : `inputs[${i}]`));
      const copies = generate.numReturnSequences ?? 1;
      const results: TextGenerationResult[][] = [];
      for (const group of chunks(ids.map((_, i) => i), batchSize)) {
        // generate left-pads prompts of different lengths itself and returns each prompt's copies in order.
        const sequences = await model.generate(group.map((i) => ids[i]!), { ...generate, tokenizer });
        const perPrompt = sequences.length / group.length;
        if (!Number.isInteger(perPrompt) || (generate.numReturnSequences !== undefined && perPrompt !== copies)) {
          throw new UnsupportedError(`${WHERE}: generate returned ${sequences.length} sequences for ${group.length} prompts`);
        }
        group.forEach((i, g) => {
          const own = sequences.slice(g * perPrompt, (g + 1) * perPrompt);
          results.push(own.map((sequence) => ({ generated_text: generatedText(tokenizer, texts[i]!, ids[i]!, sequence, returnFullText) })));
        });
      }
      return single ? results[0] : results;
    },
    methods: {
      stream: async function* (prompt: unknown, given?: object): AsyncGenerator<string, void, undefined> {
        const options = context.resolveOptions(given, `${WHERE}.stream`);
        checkText(prompt, 'the prompt', `${WHERE}.stream`);
        const { returnFullText, generate } = splitOptions(options);
        if ((generate.numReturnSequences ?? 1) > 1 || (generate.numBeams ?? 1) > 1) {
          throw new UnsupportedError(`${WHERE}.stream streams one sequence: numReturnSequences and numBeams must be 1 (call the pipeline instead)`);
        }
        const ids = promptIds(tokenizer, prompt, 'the prompt');
        if (returnFullText) yield prompt;
        // The final text skips special tokens (HF decodes with skip_special_tokens=True); so does the stream.
        for await (const chunk of model.generateStream(ids, { skipSpecialTokens: true, ...generate, tokenizer })) {
          const text = chunk.text?.[0];
          if (text) yield text;
        }
      },
    },
  };
}

export const textGeneration: TaskDefinition = {
  task: 'text-generation',
  architectures: [GPT2LMHeadModel],
  modelTypes: { gpt2: GPT2LMHeadModel },
  // Any model with a `generate`, as Hugging Face's text-generation takes any *ForCausalLM / *LMHeadModel.
  accepts: (model) => typeof (model as Partial<CausalLMModel>).generate === 'function' && typeof (model as Partial<CausalLMModel>).generateStream === 'function',
  callOptions: [...PASSED_ON, 'returnFullText', 'batchSize'],
  create,
};
