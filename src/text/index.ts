/**
 * Text layer: verbalisation of items and behaviours (C4), PII scrubbing (C22), sentiment and
 * aspects of user text (C7). Pure functions over `src/core` types; explicit re-exports.
 * @module
 */
export {
  collectItemTags,
  createVerbalizer,
  DEFAULT_HISTORY_EVENTS,
  extendTemplate,
  MOVIE_TEMPLATE,
  NEWS_TEMPLATE,
  rankTags,
  RETAIL_TEMPLATE,
  truncateText,
} from './verbalizer.js';
export type {
  AttributeField,
  DomainTemplate,
  DomainTemplateOverrides,
  EventPhrase,
  HistoryOptions,
  ItemExtras,
  ItemField,
  ItemFieldName,
  Verbalizer,
  VerbalizerOptions,
} from './verbalizer.js';
export { ibanValid, luhnValid, PII_KINDS, PII_PLACEHOLDERS, scrubPii } from './scrub-pii.js';
export type { PiiKind, ScrubPiiOptions, ScrubPiiResult } from './scrub-pii.js';
export { analyzeSentiment, DOMAIN_LEXICON, normalizeValence } from './sentiment.js';
export type { SentimentOptions, SentimentResult } from './sentiment.js';
export {
  aspectKey,
  aspectVocabulary,
  extractAspects,
  inverseDocumentFrequency,
  OPINION_WORDS,
  singularize,
  STOP_WORDS,
} from './aspects.js';
export type { Aspect, AspectTermOptions, AspectVocabulary, AspectVocabularyOptions, ExtractAspectsOptions } from './aspects.js';
export { KeywordIndex, keywordTokens } from './keyword-index.js';
export type { KeywordDocument, KeywordHit, KeywordIndexOptions } from './keyword-index.js';
