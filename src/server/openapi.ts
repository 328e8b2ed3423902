/**
 * Finishing the OpenAPI document that @fastify/swagger derives from the route schemas, so that it is
 * valid OpenAPI 3.0.3 and lint-clean under Redocly's recommended rules: an `operationId` on every
 * operation, the error answers each operation can give (the one error document of `http-errors.ts`),
 * `servers`, security on every operation (an empty list on public ones), and JSON Schema keywords
 * that 3.0 lacks rewritten into ones it has. The route schemas stay what Fastify validates with.
 * @module
 */

/** Name of the error document under `components.schemas`. */
export const ERROR_SCHEMA_NAME = 'Error';

/**
 * Operation ids of the API's routes, by `METHOD path` as the document spells the path. A route not
 * listed here keeps the `operationId` its schema gives, or gets one derived from method and path.
 */
export const OPERATION_IDS: Readonly<Record<string, string>> = Object.freeze({
  'GET /v1/health': 'getHealth',
  'GET /v1/metrics': 'getMetrics',
  'GET /v1/items': 'listItems',
  'POST /v1/items': 'upsertItems',
  'GET /v1/items/{id}': 'getItem',
  'PUT /v1/items/{id}': 'putItem',
  'DELETE /v1/items/{id}': 'deleteItem',
  'GET /v1/items/{id}/similar': 'getSimilarItems',
  'GET /v1/items/{id}/stats': 'getItemStats',
  'GET /v1/users': 'listUsers',
  'POST /v1/users': 'upsertUsers',
  'GET /v1/users/{id}': 'getUser',
  'PUT /v1/users/{id}': 'putUser',
  'DELETE /v1/users/{id}': 'deleteUser',
  'GET /v1/users/{id}/recommendations': 'getRecommendations',
  'GET /v1/users/{id}/timeline': 'getUserTimeline',
  'POST /v1/events': 'postEvents',
  'POST /v1/events/batch': 'postEventBatch',
  'GET /v1/events/recent': 'listRecentEvents',
  'GET /v1/events/stream': 'streamEvents',
  'POST /v1/feedback': 'postFeedback',
  'POST /v1/query': 'query',
  'GET /v1/models': 'listModels',
  'GET /v1/models/jobs': 'listTrainingJobs',
  'POST /v1/models/{name}/train': 'trainModel',
  'POST /v1/models/{name}/activate': 'activateModel',
  'POST /v1/models/{name}/rollback': 'rollbackModel',
  'POST /v1/evaluations': 'startEvaluation',
  'GET /v1/evaluations': 'listEvaluations',
  'GET /v1/evaluations/{id}': 'getEvaluation',
  'POST /v1/evaluations/{id}/cancel': 'cancelEvaluation',
  'POST /v1/conversations': 'startConversation',
  'POST /v1/conversations/{id}/messages': 'postConversationMessage',
  'POST /v1/admin/enrichment': 'startEnrichment',
  'GET /v1/admin/enrichment': 'listEnrichmentJobs',
  'GET /v1/admin/enrichment/{id}': 'getEnrichmentJob',
  'GET /v1/admin/generated-texts': 'listGeneratedTexts',
  'DELETE /v1/admin/generated-texts/{id}': 'discardGeneratedText',
  'GET /v1/trending': 'getTrending',
  'GET /v1/trending/topics': 'getTrendingTopics',
  'GET /v1/reports': 'listReports',
  'GET /v1/reports/{id}': 'getReport',
  'GET /v1/dashboard/items': 'viewItems',
  'GET /v1/dashboard/users': 'viewUsers',
  'GET /v1/dashboard/titles': 'getItemTitles',
});

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'] as const;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `get /v1/users/{id}/timeline` → `getUsersByIdTimeline`. */
export function deriveOperationId(method: string, path: string): string {
  const words = path
    .split('/')
    .filter((part) => part !== '' && part !== 'v1')
    .map((part) => (part.startsWith('{') ? `by-${part.slice(1, -1)}` : part))
    .flatMap((part) => part.split(/[^A-Za-z0-9]+/))
    .filter((word) => word !== '');
  return method.toLowerCase() + words.map((w) => w[0].toUpperCase() + w.slice(1)).join('');
}

/**
 * A copy of a JSON schema without `if/then/else`, which OpenAPI 3.0 does not know. The server uses
 * them only where `then` requires what `if` asks for and `else` forbids it (`POST /v1/events`: a
 * batch has `events`, a single event may not), so `oneOf: [then, else]` accepts exactly the same.
 */
export function withoutConditionals(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutConditionals);
  if (!isObject(schema)) return schema;
  const out: Json = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'if' || key === 'then' || key === 'else') continue;
    out[key] = withoutConditionals(value);
  }
  if ('then' in schema && 'else' in schema) {
    const asks = isObject(schema.if) && Array.isArray(schema.if.required) ? (schema.if.required as unknown[]).map(String) : [];
    out.oneOf = [withoutConditionals(schema.then), withoutConditionals(schema.else)];
    if (asks.length > 0) {
      const note = `The first form when the body has ${asks.map((a) => `\`${a}\``).join(', ')}, else the second.`;
      out.description = typeof out.description === 'string' ? `${out.description} ${note}` : note;
    }
  }
  return out;
}

function errorAnswer(description: string): Json {
  return { description, content: { 'application/json': { schema: { $ref: `#/components/schemas/${ERROR_SCHEMA_NAME}` } } } };
}

/** The error answers an operation can give, by what it takes and whether it needs a key. */
function errorAnswers(operation: Json, path: string): Record<string, Json> {
  const keyed = Array.isArray(operation.security) && operation.security.length > 0;
  const parameters = Array.isArray(operation.parameters) ? operation.parameters : [];
  const hasBody = operation.requestBody !== undefined;
  const answers: Record<string, Json> = {};
  if (hasBody || parameters.length > 0) answers['400'] = errorAnswer('The request is invalid (`validation_failed`, `invalid_json`); `details.field` names the offending part.');
  if (keyed) answers['401'] = errorAnswer('No API key, or an unknown one (`unauthorized`).');
  answers['403'] = errorAnswer(
    keyed ? 'The key lacks the scope this operation needs (`forbidden`), or the `Host` is not allowed (`host_not_allowed`).' : 'The `Host` is not allowed (`host_not_allowed`).',
  );
  if (path.includes('{')) answers['404'] = errorAnswer('What the path names does not exist (`not_found`).');
  if (hasBody) {
    answers['413'] = errorAnswer('The body is larger than the configured limit (`payload_too_large`).');
    answers['415'] = errorAnswer('The body is not `application/json` (`unsupported_media_type`).');
  }
  return answers;
}

/**
 * Completes a document made by @fastify/swagger (its `transformObject` hook): operation ids, error
 * answers, servers, root security, and no `if/then/else`. Returns a new object.
 */
export function finishOpenApiDocument<T extends object>(document: T): T {
  const doc = withoutConditionals(document) as Json;
  if (!Array.isArray(doc.servers) || doc.servers.length === 0) doc.servers = [{ url: '/', description: 'the server that serves this document' }];
  // Every keyed operation names its schemes; public ones carry an empty list (below), so the root
  // requirement only states the default.
  doc.security = [{ bearer: [] }, { apiKey: [] }];
  const paths = isObject(doc.paths) ? doc.paths : {};
  for (const [path, item] of Object.entries(paths)) {
    if (!isObject(item)) continue;
    for (const method of METHODS) {
      const operation = item[method];
      if (!isObject(operation)) continue;
      operation.operationId ??= OPERATION_IDS[`${method.toUpperCase()} ${path}`] ?? deriveOperationId(method, path);
      operation.security ??= [];
      const responses = isObject(operation.responses) ? operation.responses : {};
      for (const [status, answer] of Object.entries(errorAnswers(operation, path))) responses[status] ??= answer;
      operation.responses = responses;
    }
  }
  return doc as T;
}
