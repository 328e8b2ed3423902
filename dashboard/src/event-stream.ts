/**
 * Follows the engine's live event stream (`GET /v1/events/stream`, Server-Sent Events). It reads the
 * stream with `fetch` so the API key travels in a header; when streaming is impossible it falls back
 * to polling `GET /v1/events/recent`.
 * @module
 */
import { api, apiUrl, authHeaders } from './api.js';
import type { StoredEvent } from './types.js';

/** How the feed is being received. */
export type StreamMode = 'connecting' | 'stream' | 'polling' | 'offline';

/** Callbacks of {@link followEvents}. */
export interface FollowOptions {
  onEvents: (events: StoredEvent[]) => void;
  onMode: (mode: StreamMode) => void;
  signal: AbortSignal;
  pollMs?: number;
}

function parseBlock(block: string): { event: string; data: string } {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  return { event, data: data.join('\n') };
}

async function stream(after: number, options: FollowOptions): Promise<number> {
  const response = await fetch(apiUrl(`/v1/events/stream?after=${after}`), { headers: { accept: 'text/event-stream', ...authHeaders() }, signal: options.signal });
  if (!response.ok || !response.body) throw new Error(`stream answered ${response.status}`);
  options.onMode('stream');
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let last = after;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return last;
    buffer += value.replace(/\r\n/g, '\n');
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const { event, data } = parseBlock(buffer.slice(0, cut));
      buffer = buffer.slice(cut + 2);
      if (event !== 'events' || data === '') continue;
      const events = JSON.parse(data) as StoredEvent[];
      if (events.length > 0) last = events[events.length - 1].seq;
      options.onEvents(events);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
}

/** Delivers the latest events, then new ones as they arrive, until `signal` aborts. */
export async function followEvents(options: FollowOptions): Promise<void> {
  const { signal } = options;
  options.onMode('connecting');
  let last = 0;
  let failures = 0;
  while (!signal.aborted) {
    try {
      if (last === 0) {
        const recent = await api.recentEvents(undefined, 50, signal);
        options.onEvents(recent.events);
        last = recent.events.length > 0 ? recent.events[recent.events.length - 1].seq : recent.lastSeq;
      }
      if (failures < 3) {
        last = await stream(last, options);
      } else {
        options.onMode('polling');
        const res = await api.recentEvents(last, 200, signal);
        if (res.events.length > 0) {
          last = res.events[res.events.length - 1].seq;
          options.onEvents(res.events);
        }
        await sleep(options.pollMs ?? 2000, signal);
      }
    } catch {
      if (signal.aborted) return;
      failures++;
      options.onMode(failures >= 3 ? 'polling' : 'offline');
      await sleep(Math.min(5000, 500 * failures), signal);
    }
  }
}
