import type { AddedToken } from './added-vocabulary.js';
import { decoders } from './decoders/index.js';
import { asArray, asInt, asObject, asString, boolField, type JsonObject } from './json.js';
import { models } from './models/index.js';
import { normalizers } from './normalizers/index.js';
import { paddingFromJSON, truncationFromJSON } from './options.js';
import { postProcessors } from './post-processors/index.js';
import { preTokenizers } from './pre-tokenizers/index.js';
import type { TokenizerParts } from './tokenizer.js';

function addedTokensFromJSON(value: unknown): AddedToken[] {
  if (value == null) return [];
  return asArray(value, 'added_tokens').map((item, k) => {
    const path = `added_tokens[${k}]`;
    const config = asObject(item, path);
    const special = boolField(config, 'special', path, false);
    return {
      id: asInt(config.id, `${path}.id`),
      content: asString(config.content, `${path}.content`),
      singleWord: boolField(config, 'single_word', path, false),
      lstrip: boolField(config, 'lstrip', path, false),
      rstrip: boolField(config, 'rstrip', path, false),
      normalized: boolField(config, 'normalized', path, !special),
      special,
    };
  });
}

/** Old tokenizer.json files may omit the model's `type`; infer it the way HF's untagged fallback does. */
function withModelType(value: unknown): unknown {
  const config = asObject(value, 'model');
  if (config.type != null) return config;
  if ('merges' in config) return { ...config, type: 'BPE' };
  if ('max_input_chars_per_word' in config || 'continuing_subword_prefix' in config) return { ...config, type: 'WordPiece' };
  return config;
}

/** Builds every component of a tokenizer.json, naming the offending field in any error. */
export function partsFromJSON(json: unknown): TokenizerParts {
  const root: JsonObject = asObject(json, 'tokenizer.json');
  const normalizer = root.normalizer == null ? null : normalizers.build(root.normalizer, 'normalizer');
  return {
    model: models.build(withModelType(root.model), 'model'),
    normalizer,
    preTokenizer: root.pre_tokenizer == null ? null : preTokenizers.build(root.pre_tokenizer, 'pre_tokenizer'),
    postProcessor: root.post_processor == null ? null : postProcessors.build(root.post_processor, 'post_processor'),
    decoder: root.decoder == null ? null : decoders.build(root.decoder, 'decoder'),
    addedTokens: addedTokensFromJSON(root.added_tokens),
    truncation: truncationFromJSON(root.truncation, 'truncation'),
    padding: paddingFromJSON(root.padding, 'padding'),
  };
}
