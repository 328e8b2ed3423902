/**
 * Grids that stop at their own edges: when the best point of a search sits on the lowest or highest
 * value a numeric key was searched over, the next value one step beyond that edge is worth a trial.
 * A step continues the grid's own spacing at that edge: geometric when the values are positive
 * (250, 500, 1000 → 2000), arithmetic otherwise (0, 0.1, 0.2 → 0.3); rates the schema keeps below 1
 * approach 1 geometrically in 1 − p (0.5, 0.75 → 0.875) rather than step past it; integers stay integers; a
 * lower edge at 0 or a value the model's schema refuses is not extended.
 * @module
 */
import { validateModelParams } from '../models/model-params.js';
import type { ModelParams } from '../models/recommender.js';

/** A hyper-parameter grid: each key's values are crossed. */
export type Grid = Record<string, readonly (number | string | boolean)[]>;

/** One value beyond an edge of a grid key, to try with the best point's other values. */
export interface EdgeStep {
  key: string;
  /** The edge value the best point sits on. */
  edge: number;
  /** The value one step beyond it. */
  value: number;
  side: 'low' | 'high';
}

/**
 * The steps beyond the edges that `best` sits on, one per key searched over at least two numeric
 * values; keys with a single value (a fixed choice, not a search) and non-numeric keys are left alone.
 */
export function edgeSteps(kind: string, grid: Grid, best: ModelParams): EdgeStep[] {
  const steps: EdgeStep[] = [];
  for (const [key, raw] of Object.entries(grid)) {
    if (raw.length < 2 || !raw.every((v) => typeof v === 'number')) continue;
    const values = [...new Set(raw as number[])].sort((a, b) => a - b);
    if (values.length < 2) continue;
    const at = best[key];
    if (typeof at !== 'number') continue;
    // Integer-valued keys (k, factors) stay integers; a real key searched over whole numbers (alpha 1, 4, 16) does not.
    const integers = values.every((v) => Number.isInteger(v)) && !accepts(kind, { ...best, [key]: at + 0.5 });
    const positive = values[0] > 0;
    let step: EdgeStep | undefined;
    if (at === values[values.length - 1]) {
      const prev = values[values.length - 2];
      let next = positive ? (at * at) / prev : at + (at - prev);
      // Rates the schema keeps below 1 (dropout) approach 1 geometrically in 1 − p instead of stepping past it.
      if (next >= 1 && at < 1 && values[0] >= 0 && !accepts(kind, { ...best, [key]: next })) next = 1 - ((1 - at) * (1 - at)) / (1 - prev);
      step = { key, edge: at, value: next, side: 'high' };
    } else if (at === values[0]) {
      const prev = values[1];
      const next = positive ? (at * at) / prev : at - (prev - at);
      // A lower edge at 0 (no regularisation, no shrinkage) has nothing below it worth trying.
      step = at === 0 ? undefined : { key, edge: at, value: next, side: 'low' };
    }
    if (!step) continue;
    step.value = integers ? Math.round(step.value) : Number(step.value.toPrecision(6));
    if (step.value === at || (step.side === 'low' && !positive && step.value < 0 && at >= 0)) continue;
    if (accepts(kind, { ...best, [key]: step.value })) steps.push(step);
  }
  return steps;
}

/** True when `params` pass the schema of `kind`. */
function accepts(kind: string, params: ModelParams): boolean {
  try {
    validateModelParams(kind, params);
    return true;
  } catch {
    return false;
  }
}

/** `grid` with `step.value` added to its key, values in ascending order. */
export function widenGrid<G extends Grid>(grid: G, step: EdgeStep): G {
  const values = [...(grid[step.key] as number[]), step.value].sort((a, b) => a - b);
  return { ...grid, [step.key]: values };
}

/** What {@link searchGrid} asks of a runner for one point: fit, validate, keep what it needs, and say how it scored. */
export type EvaluatePoint = (point: ModelParams, phase: string) => Promise<{ score: number; params: ModelParams }>;

/** Rounds of one step beyond the edges a best point sits on (each round tries every such edge once). */
export const MAX_GRID_WIDENINGS = 3;

/**
 * Tries every point of `grid`, then, while the best point sits on an edge of a searched numeric key,
 * the point one step beyond it (the best point's other searched values kept), at most
 * {@link MAX_GRID_WIDENINGS} rounds. Returns the values added by key (empty when none were).
 */
export async function searchGrid(kind: string, grid: Grid, evaluate: EvaluatePoint, expand: (g: Grid) => ModelParams[]): Promise<Record<string, number[]>> {
  let searched = grid;
  const widened: Record<string, number[]> = {};
  let best: { score: number; params: ModelParams } | undefined;
  const run = async (point: ModelParams, phase: string): Promise<void> => {
    const r = await evaluate(point, phase);
    if (!best || r.score > best.score) best = r;
  };
  const points = expand(searched);
  for (let g = 0; g < points.length; g++) await run(points[g], `${kind} ${g + 1}/${points.length}`);
  for (let round = 1; round <= MAX_GRID_WIDENINGS && best; round++) {
    const from: ModelParams = best.params;
    const steps = edgeSteps(kind, searched, from);
    if (steps.length === 0) break;
    for (const step of steps) {
      searched = widenGrid(searched, step);
      (widened[step.key] ??= []).push(step.value);
      const point: ModelParams = {};
      for (const key of Object.keys(searched)) if (key in from) point[key] = from[key];
      await run({ ...point, [step.key]: step.value }, `${kind} widening ${step.key}=${step.value}`);
    }
  }
  return widened;
}
