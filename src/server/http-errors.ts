/**
 * One place where every failure becomes an HTTP answer `{ error: { code, message, details? } }`:
 * engine errors by their stable `code`, Fastify's own errors (validation, body too large, malformed
 * JSON, unsupported media type, malformed percent-encoding, over-long path parameters) by theirs,
 * requests Node's HTTP parser refuses before Fastify sees them ({@link clientErrorResponse}), and
 * anything unexpected as a 500 that hides internals.
 * @module
 */
import { EngineError } from '../index.js';

/** Body of every error response. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/** Status and body of an error response. */
export interface HttpFailure {
  status: number;
  body: ErrorBody;
  /** True when the failure is the server's fault (worth logging at error level). */
  internal: boolean;
}

/** HTTP status for each engine error code; codes not listed are 500. */
export const STATUS_BY_CODE: Readonly<Record<string, number>> = Object.freeze({
  not_found: 404,
  validation_failed: 400,
  conflict: 409,
  unsupported: 501,
  backend_error: 503,
  aborted: 503,
  unauthorized: 401,
  forbidden: 403,
});

/** An error raised by the HTTP layer itself (auth, routing), carrying its status. */
export class HttpError extends EngineError {
  readonly status: number;
  /** Seconds sent in `Retry-After` (when `details.retryAfterSeconds` is a number). */
  readonly retryAfterSeconds: number | undefined;

  constructor(status: number, code: string, message: string, details?: Record<string, unknown>) {
    super(code, message, details === undefined ? {} : { details });
    this.status = status;
    this.retryAfterSeconds = typeof details?.retryAfterSeconds === 'number' ? details.retryAfterSeconds : undefined;
  }
}

interface ValidationIssue {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

interface FastifyLikeError {
  code?: unknown;
  statusCode?: unknown;
  message?: unknown;
  validation?: unknown;
  validationContext?: unknown;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** `body/events/3/timestamp`: the part of the request plus the JSON pointer of the offending value. */
export function issuePath(context: string, issue: ValidationIssue): string {
  let path = `${context}${issue.instancePath ?? ''}`;
  const params = issue.params ?? {};
  if (issue.keyword === 'required' && typeof params.missingProperty === 'string') path += `/${params.missingProperty}`;
  if (issue.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') path += `/${params.additionalProperty}`;
  return path;
}

/** A readable sentence for one schema violation, e.g. `body/events/3/timestamp must be integer`. */
export function issueMessage(context: string, issue: ValidationIssue): string {
  const params = issue.params ?? {};
  if (issue.keyword === 'required') return `${issuePath(context, issue)} is required`;
  if (issue.keyword === 'additionalProperties') return `${issuePath(context, issue)} is not an allowed property`;
  if (issue.keyword === 'enum' && Array.isArray(params.allowedValues)) {
    return `${issuePath(context, issue)} must be one of ${params.allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return `${issuePath(context, issue)} ${issue.message ?? 'is invalid'}`;
}

/** Maps any thrown value to a status and a JSON body. */
export function toHttpFailure(error: unknown): HttpFailure {
  if (error instanceof HttpError) {
    return { status: error.status, internal: false, body: body(error.code, error.message, error.details) };
  }
  if (error instanceof EngineError) {
    const status = STATUS_BY_CODE[error.code] ?? 500;
    return { status, internal: status >= 500 && error.code !== 'backend_error', body: body(error.code, error.message, error.details) };
  }
  const e: FastifyLikeError = isObject(error) ? error : {};
  if (Array.isArray(e.validation)) {
    const context = typeof e.validationContext === 'string' ? e.validationContext : 'request';
    const issues = (e.validation as unknown[]).filter(isObject) as ValidationIssue[];
    const first = issues[0] ?? {};
    return {
      status: 400,
      internal: false,
      body: body('validation_failed', issueMessage(context, first), {
        field: issuePath(context, first),
        issues: issues.map((issue) => ({ path: issuePath(context, issue), message: issueMessage(context, issue), keyword: issue.keyword })),
      }),
    };
  }
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : 'request failed';
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, internal: false, body: body('payload_too_large', 'request body is larger than the configured limit') };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, internal: false, body: body('invalid_json', message) };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, internal: false, body: body('unsupported_media_type', `${message}; send application/json`) };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, internal: false, body: body('bad_request', message) };
    // Routing errors, answered through Fastify's `frameworkErrors` (their messages echo the path).
    case 'FST_ERR_BAD_URL':
      return { status: 400, internal: false, body: body('bad_url', 'the request path is not valid percent-encoded UTF-8') };
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return { status: 414, internal: false, body: body('uri_too_long', 'a path parameter is longer than the server accepts') };
  }
  const statusCode = typeof e.statusCode === 'number' ? e.statusCode : 500;
  if (statusCode >= 400 && statusCode < 500) {
    return { status: statusCode, internal: false, body: body('bad_request', message) };
  }
  return { status: 500, internal: true, body: body('internal', 'internal server error') };
}

/**
 * The raw HTTP answer to a request Node's parser refused (Fastify's `clientErrorHandler`): the same
 * statuses as Fastify's default (408 timeout, 431 headers too large, else 400), in the documented
 * error shape; undefined when there is nobody to answer (connection reset).
 */
export function clientErrorResponse(error: { code?: unknown }): string | undefined {
  if (error.code === 'ECONNRESET') return undefined;
  const [status, reason, code, message] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'Request Timeout', 'request_timeout', 'the request was not received in time']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large', 'headers_too_large', 'the request line and headers exceed the maximum HTTP header size']
        : [400, 'Bad Request', 'bad_request', 'malformed HTTP request'];
  const json = JSON.stringify(body(code, message));
  return `HTTP/1.1 ${status} ${reason}\r\nContent-Length: ${Buffer.byteLength(json)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${json}`;
}

function body(code: string, message: string, details?: unknown): ErrorBody {
  return details === undefined ? { error: { code, message } } : { error: { code, message, details } };
}
