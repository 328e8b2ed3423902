/**
 * chart.js with only the parts the dashboard draws (bar and line charts), and a helper that creates a
 * chart in a sized container and destroys it when its page goes away.
 * @module
 */
import { BarController, BarElement, CategoryScale, Chart, Filler, Legend, LinearScale, LineController, LineElement, PointElement, Title, Tooltip } from 'chart.js';
import type { ChartConfiguration, ChartType } from 'chart.js';
import { h } from './dom.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Legend, Tooltip, Title, Filler);
Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
Chart.defaults.color = '#4b5563';
Chart.defaults.maintainAspectRatio = false;

/** A colour-blind-friendly palette (Okabe–Ito, then extras). */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000', '#999999'];

/** Colour of series `i`. */
export function colour(i: number): string {
  return PALETTE[i % PALETTE.length];
}

/** A chart in a `.chart` box of `height` pixels; destroyed when `signal` aborts. */
export function chartBox<T extends ChartType>(config: ChartConfiguration<T>, signal: AbortSignal, options: { height?: number; label?: string } = {}): { box: HTMLElement; chart: Chart<T> } {
  const canvas = h('canvas', { role: 'img', 'aria-label': options.label ?? 'chart' });
  const box = h('div', { class: 'chart', style: `height:${options.height ?? 260}px` }, canvas);
  const chart = new Chart(canvas, config);
  signal.addEventListener('abort', () => chart.destroy(), { once: true });
  return { box, chart };
}
