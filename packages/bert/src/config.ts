import { ConfigError, ConfigReader, type GeluApproximation, MAX_LAYERS, UnsupportedError } from '@attnjs/core';

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
  /** Dropout in training (identity in inference), Hugging Face's defaults 0.1. */
  readonly hiddenDropoutProb: number;
  readonly attentionProbsDropoutProb: number;
  /** Before a classifier head; Hugging Face falls back to `hidden_dropout_prob` when null. */
  readonly classifierDropout: number;
}

const ACTIVATIONS: Record<string, GeluApproximation> = {
  gelu: 'none',
  gelu_new: 'tanh',
  gelu_pytorch_tanh: 'tanh',
};

/**
 * Reads a BERT config.json. Sizes must be positive integers (`hidden_size` divisible by
 * `num_attention_heads`) and the epsilon positive; whether they match the weights is checked against
 * the checkpoint's shapes before anything is allocated.
 */
export function bertConfigFromJSON(config: ConfigReader): BertConfig {
  const positionType = config.string('position_embedding_type', 'absolute');
  if (positionType !== 'absolute') {
    throw new UnsupportedError(`${config.source}: position_embedding_type "${positionType}" is not supported (only "absolute")`);
  }
  if (config.has('model_type') && config.string('model_type') !== 'bert') {
    throw new UnsupportedError(`${config.source}: model_type "${config.string('model_type')}" is not bert`);
  }
  const hiddenSize = config.size('hidden_size');
  const numAttentionHeads = config.size('num_attention_heads');
  if (hiddenSize % numAttentionHeads !== 0) {
    throw new ConfigError(
      `${config.source}: "hidden_size" (${hiddenSize}) must be divisible by "num_attention_heads" (${numAttentionHeads})`,
    );
  }
  return {
    vocabSize: config.size('vocab_size'),
    hiddenSize,
    numHiddenLayers: config.size('num_hidden_layers', undefined, MAX_LAYERS),
    numAttentionHeads,
    intermediateSize: config.size('intermediate_size'),
    hiddenAct: config.oneOf('hidden_act', ACTIVATIONS, 'gelu'),
    maxPositionEmbeddings: config.size('max_position_embeddings', 512),
    typeVocabSize: config.size('type_vocab_size', 2),
    layerNormEps: config.positive('layer_norm_eps', 1e-12),
    padTokenId: config.int('pad_token_id', 0),
    isDecoder: config.boolean('is_decoder', false),
    hiddenDropoutProb: config.probability('hidden_dropout_prob', 0.1),
    attentionProbsDropoutProb: config.probability('attention_probs_dropout_prob', 0.1),
    classifierDropout: config.probability('classifier_dropout', config.probability('hidden_dropout_prob', 0.1)),
  };
}
