/**
 * Line iteration for the delimiter-separated formats that have no quoting (MovieLens 100K's
 * pipe- and tab-separated files, S3-Rec sequences), with 1-based line numbers and abort checks.
 * @module
 */
import { throwIfAborted } from '../core/errors.js';

/** Lines between abort checks. */
const ABORT_CHECK_EVERY = 4096;

/**
 * Calls `onLine(text, line)` for every line of `content` that is not blank, with `\r` removed and
 * `line` 1-based. A UTF-8 byte-order mark at the start is dropped.
 */
export function eachLine(content: string, onLine: (text: string, line: number) => void, signal?: AbortSignal): void {
  let start = content.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 0;
  while (start <= content.length) {
    let end = content.indexOf('\n', start);
    if (end === -1) end = content.length;
    line += 1;
    if (line % ABORT_CHECK_EVERY === 0) throwIfAborted(signal);
    let stop = end;
    if (stop > start && content.charCodeAt(stop - 1) === 13) stop -= 1;
    const text = content.slice(start, stop);
    if (text.trim().length > 0) onLine(text, line);
    start = end + 1;
  }
}
