/**
 * Progress bars for long CLI work: shown on a terminal (stderr), silent in pipes and under --json.
 * One bar at a time per process; every other line the CLI writes to stderr while a bar is drawn
 * (log lines, `say` lines) goes through {@link writeStderrLine}, which clears the bar's line first
 * and draws the bar again below, so the two never share a line.
 * @module
 */
import cliProgress from 'cli-progress';
import type { ProgressCallback } from '../index.js';

/** A progress sink plus a way to finish the current bar. */
export interface ProgressDisplay {
  onProgress: ProgressCallback;
  stop(): void;
}

/** The bar on screen, if any (there is one terminal, so one bar at a time). */
let active: cliProgress.SingleBar | undefined;

/**
 * Writes `line` to stderr on a line of its own: with a bar on screen, the bar's line is cleared,
 * the text written, and the bar drawn again after it.
 */
export function writeStderrLine(line: string): void {
  if (active === undefined) {
    process.stderr.write(line + '\n');
    return;
  }
  process.stderr.write('\r\x1b[2K' + line + '\n');
  active.render();
}

/** Creates a display; `enabled` false gives a no-op one. */
export function createProgressDisplay(enabled: boolean): ProgressDisplay {
  if (!enabled) return { onProgress: () => undefined, stop: () => undefined };
  let bar: cliProgress.SingleBar | undefined;
  let phase = '';
  const stop = (): void => {
    bar?.stop();
    if (active === bar) active = undefined;
    bar = undefined;
    phase = '';
  };
  return {
    onProgress(p, done, total) {
      if (p !== phase) {
        stop();
        phase = p;
        bar = new cliProgress.SingleBar(
          {
            format: `${p.padEnd(34).slice(0, 34)} {bar} {percentage}% | {value}/{total} | {duration_formatted} | ETA {eta_formatted}`,
            stream: process.stderr,
            hideCursor: true,
            clearOnComplete: false,
            // Long synchronous steps (an EASE inverse) report from inside the loop: redraw on every
            // update that is due rather than on a timer the loop would starve.
            synchronousUpdate: true,
            etaBuffer: 20,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(Math.max(total, 1), 0);
        active = bar;
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
