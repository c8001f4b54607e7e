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
export {
  BertForNextSentencePrediction,
  BertForQuestionAnswering,
  BertForSequenceClassification,
  BertForTokenClassification,
  type BertHeadConfig,
  type BertNextSentencePredictionInputs,
  type BertQuestionAnsweringInputs,
  type BertQuestionAnsweringOutput,
  type BertSequenceClassificationInputs,
  type BertTokenClassificationInputs,
} from './task-heads.js';
export { BertForMultipleChoice, type BertMultipleChoiceInputs, type ChoiceIdsLike } from './multiple-choice.js';
