export { type BertConfig, bertConfigFromJSON } from './config.js';
export { BertEmbeddings, BertModel, type BertInputs, type BertModelOutput } from './modeling.js';
export {
  BertForMaskedLM,
  BertForPreTraining,
  BertLMHeadModel,
  BertLMPredictionHead,
  BertWithLMHead,
  type BertForPreTrainingInputs,
  type BertForPreTrainingOutput,
  type BertLMOutput,
  type BertMaskedLMInputs,
} from './heads.js';
