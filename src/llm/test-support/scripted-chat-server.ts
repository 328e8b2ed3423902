/**
 * Test and benchmark support (excluded from the build): a local HTTP server speaking the
 * OpenAI-compatible chat protocol (`POST /v1/chat/completions`) whose answers are scripted — a
 * well-formed completion, any text (malformed JSON, partial permutations), an HTTP status (429 with
 * `Retry-After`, 500), each after an optional delay — and which records every request it got, so
 * tests can assert on what was sent (prompts scrubbed of PII, ids present). It is a peer for the
 * protocol; it knows nothing of the engine.
 * @module
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the server received it. */
export interface RecordedChatRequest {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: {
    model?: string;
    messages?: { role: string; content: string }[];
    response_format?: unknown;
    temperature?: number;
    max_tokens?: number;
  };
  /** The messages' contents joined, for quick `toContain` checks. */
  prompt: string;
}

/** One scripted answer. */
export type ScriptedAnswer =
  | { content: string; delayMs?: number; usage?: { prompt_tokens: number; completion_tokens: number } }
  | { status: number; body?: string; headers?: Record<string, string>; delayMs?: number };

/** An answer, or a function of the request choosing one. */
export type ScriptedReply = ScriptedAnswer | ((request: RecordedChatRequest) => ScriptedAnswer);

/** A running scripted server. */
export interface ScriptedChatServer {
  /** Base URL to configure clients with, e.g. `http://127.0.0.1:41234/v1`. */
  readonly baseUrl: string;
  /** Every request received, oldest first. */
  readonly requests: RecordedChatRequest[];
  /** Queues answers for the next requests, in order. */
  enqueue(...answers: ScriptedReply[]): void;
  /** The answer given when the queue is empty (default a 500 saying nothing is scripted). */
  setDefault(answer: ScriptedReply): void;
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Starts the server on a free loopback port. */
export async function startScriptedChatServer(options: { defaultAnswer?: ScriptedReply } = {}): Promise<ScriptedChatServer> {
  const queue: ScriptedReply[] = [];
  const requests: RecordedChatRequest[] = [];
  let fallback: ScriptedReply = options.defaultAnswer ?? { status: 500, body: JSON.stringify({ error: { message: 'no scripted answer left' } }) };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const text = await readBody(req);
    let body: RecordedChatRequest['body'] = {};
    try {
      body = JSON.parse(text) as RecordedChatRequest['body'];
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'body is not JSON' } }));
      return;
    }
    const recorded: RecordedChatRequest = { path: req.url ?? '', headers: req.headers, body, prompt: (body.messages ?? []).map((m) => m.content).join('\n') };
    requests.push(recorded);
    if (!recorded.path.endsWith('/chat/completions')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `no route ${recorded.path}` } }));
      return;
    }
    const reply = queue.shift() ?? fallback;
    const answer = typeof reply === 'function' ? reply(recorded) : reply;
    if (answer.delayMs !== undefined && answer.delayMs > 0) {
      // A client that gives up closes the socket: stop waiting then, so the server closes promptly.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, answer.delayMs);
        res.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      if (res.destroyed || res.writableEnded) return;
    }
    if ('status' in answer) {
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers }).end(answer.body ?? JSON.stringify({ error: { message: `scripted ${answer.status}` } }));
      return;
    }
    const completion = {
      id: `chatcmpl-${requests.length}`,
      object: 'chat.completion',
      model: body.model ?? 'scripted',
      choices: [{ index: 0, message: { role: 'assistant', content: answer.content }, finish_reason: 'stop' }],
      usage: answer.usage ?? { prompt_tokens: Math.ceil(recorded.prompt.length / 4), completion_tokens: Math.ceil(answer.content.length / 4) },
    };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(completion));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    enqueue: (...answers) => queue.push(...answers),
    setDefault: (answer) => {
      fallback = answer;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
