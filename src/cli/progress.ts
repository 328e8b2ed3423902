/**
 * Progress bars for long CLI work: shown on a terminal (stderr), silent in pipes and under --json.
 * @module
 */
import cliProgress from 'cli-progress';
import type { ProgressCallback } from '../index.js';

/** A progress sink plus a way to finish the current bar. */
export interface ProgressDisplay {
  onProgress: ProgressCallback;
  stop(): void;
}

/** Creates a display; `enabled` false gives a no-op one. */
export function createProgressDisplay(enabled: boolean): ProgressDisplay {
  if (!enabled) return { onProgress: () => undefined, stop: () => undefined };
  let bar: cliProgress.SingleBar | undefined;
  let phase = '';
  const stop = (): void => {
    bar?.stop();
    bar = undefined;
    phase = '';
  };
  return {
    onProgress(p, done, total) {
      if (p !== phase) {
        stop();
        phase = p;
        bar = new cliProgress.SingleBar(
          { format: `${p.padEnd(34).slice(0, 34)} {bar} {percentage}% | {value}/{total} | {duration_formatted}`, stream: process.stderr, hideCursor: true, clearOnComplete: false },
          cliProgress.Presets.shades_classic,
        );
        bar.start(Math.max(total, 1), 0);
      }
      bar?.setTotal(Math.max(total, 1));
      bar?.update(Math.min(done, Math.max(total, 1)));
    },
    stop,
  };
}

/** True when progress should be drawn: stderr is a terminal and output is not JSON. */
export function progressWanted(json: boolean | undefined): boolean {
  return !json && Boolean(process.stderr.isTTY);
}
