import { ConfigReader, type GeluApproximation, UnsupportedError } from '@attnjs/core';

/** The fields of Hugging Face's BertConfig that change the computation, camelCased. */
export interface BertConfig {
  readonly vocabSize: number;
  readonly hiddenSize: number;
  readonly numHiddenLayers: number;
  readonly numAttentionHeads: number;
  readonly intermediateSize: number;
  readonly hiddenAct: GeluApproximation;
  readonly maxPositionEmbeddings: number;
  readonly typeVocabSize: number;
  readonly layerNormEps: number;
  readonly padTokenId: number;
  /** A decoder (BertLMHeadModel trained causally) masks future tokens. */
  readonly isDecoder: boolean;
}

const ACTIVATIONS: Record<string, GeluApproximation> = {
  gelu: 'none',
  gelu_new: 'tanh',
  gelu_pytorch_tanh: 'tanh',
};

export function bertConfigFromJSON(config: ConfigReader): BertConfig {
  const positionType = config.string('position_embedding_type', 'absolute');
  if (positionType !== 'absolute') {
    throw new UnsupportedError(`${config.source}: position_embedding_type "${positionType}" is not supported (only "absolute")`);
  }
  if (config.has('model_type') && config.string('model_type') !== 'bert') {
    throw new UnsupportedError(`${config.source}: model_type "${config.string('model_type')}" is not bert`);
  }
  return {
    vocabSize: config.int('vocab_size'),
    hiddenSize: config.int('hidden_size'),
    numHiddenLayers: config.int('num_hidden_layers'),
    numAttentionHeads: config.int('num_attention_heads'),
    intermediateSize: config.int('intermediate_size'),
    hiddenAct: config.oneOf('hidden_act', ACTIVATIONS, 'gelu'),
    maxPositionEmbeddings: config.int('max_position_embeddings', 512),
    typeVocabSize: config.int('type_vocab_size', 2),
    layerNormEps: config.number('layer_norm_eps', 1e-12),
    padTokenId: config.int('pad_token_id', 0),
    isDecoder: config.boolean('is_decoder', false),
  };
}
