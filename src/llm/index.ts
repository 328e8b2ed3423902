/**
 * Generative language models (C19): the chat-model port and its providers, prompts, and the
 * features built on them — listwise re-ranking, written explanations, descriptions for thin items
 * and conversations — each degrading to the engine's own answer without a model.
 * @module
 */
export type { ChatMessage, ChatModel, ChatRequest, ChatResponse, TokenUsage } from './chat-model.js';
export { createOpenAiChatModel } from './openai-chat-model.js';
export type { OpenAiChatModelOptions } from './openai-chat-model.js';
export { NODE_LLAMA_CPP_VERSION, createGgufChatModel } from './gguf-chat-model.js';
export type { GgufChatModelOptions } from './gguf-chat-model.js';
export { guardChatModel, promptHash } from './guarded-chat-model.js';
export type { GuardChatModelOptions, GuardedChatModel, GuardedChatRequest } from './guarded-chat-model.js';
export { createChatModel } from './create-chat-model.js';
export type { CreateChatModelOptions } from './create-chat-model.js';
export { createConcurrencyLimit } from './concurrency-limit.js';
export type { ConcurrencyLimit } from './concurrency-limit.js';
export { parseJsonReply } from './parse-json-reply.js';
export { PROMPT_VERSIONS, converseParsePrompt, converseReplyPrompt, domainWords, enrichPrompt, explainPrompt, rerankPrompt } from './prompts.js';
export type { DomainWords, ExplainFacts, PromptCandidate } from './prompts.js';
export { bordaAggregate, llmRerank, repairPermutation } from './llm-rerank.js';
export type { LlmRerankOptions, PermutationRepair, RerankOutcome } from './llm-rerank.js';
export { checkExplanation, llmExplain } from './llm-explain.js';
export type { ExplainInput, ExplainOutcome, LlmExplainOptions, WrittenExplanation } from './llm-explain.js';
export { createMentionIndex, quotedSpans, titleForms, wordString } from './mentions.js';
export type { KnownTitle, MentionIndex } from './mentions.js';
export { emptyWish, mergeWish } from './wish.js';
export type { Wish } from './wish.js';
export { MOOD_GENRES, parseWishByRules } from './rule-wish-parser.js';
export { buildCatalogueVocabulary, cachedCatalogueVocabulary } from './catalogue-vocabulary.js';
export type { CatalogueVocabulary, VocabularyItem } from './catalogue-vocabulary.js';
export { answerWish, wishQueryText } from './answer-wish.js';
export type { AnswerWishOptions, WishAnswer, WishAnswerItem } from './answer-wish.js';
export { ConversationStore } from './conversation-store.js';
export type { Conversation, ConversationStoreOptions, ConversationTurn } from './conversation-store.js';
export { MAX_MESSAGE_CHARS, checkReply, createConversations, templateReply, wishFromModel } from './conversations.js';
export type { Conversations, ConversationsOptions, TurnResult, WishView } from './conversations.js';
export { attributeLines, cleanDescription, createEnrichmentJobs, discardGeneratedText, enrichThinItems } from './enrich-items.js';
export type { EnrichOptions, EnrichReport, EnrichmentJob, EnrichmentJobs, EnrichmentJobsOptions } from './enrich-items.js';
export { renderLlmRerankMarkdown, runLlmRerankEvaluation } from './rerank-evaluation.js';
export type { LlmRerankEvaluationOptions, LlmRerankEvaluationReport, RerankMetrics } from './rerank-evaluation.js';
