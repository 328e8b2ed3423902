/**
 * Reading JSON out of a model's text: models asked for JSON often wrap it in a Markdown fence or a
 * sentence, so the object is looked for inside the text before giving up.
 * @module
 */

/**
 * The JSON value in `text`: the whole text, else the inside of a ```` ``` ```` fence, else the span
 * from the first `{` to the last `}` (or `[` … `]`). Undefined when none of them parses.
 */
export function parseJsonReply(text: string): unknown {
  const candidates = [text.trim()];
  const fence = /```(?:json)?\s*([\s\S]*?)```/i.exec(text);
  if (fence) candidates.push(fence[1].trim());
  for (const [open, close] of [['{', '}'], ['[', ']']] as const) {
    const start = text.indexOf(open);
    const end = text.lastIndexOf(close);
    if (start >= 0 && end > start) candidates.push(text.slice(start, end + 1));
  }
  for (const candidate of candidates) {
    if (candidate === '') continue;
    try {
      return JSON.parse(candidate) as unknown;
    } catch {
      // try the next reading
    }
  }
  return undefined;
}
