/**
 * A tiny element builder: `h('div', { class: 'card' }, 'text', child)`. Strings become text nodes,
 * so nothing from the engine is ever parsed as HTML.
 * @module
 */

/** Attributes and listeners accepted by {@link h}. */
export type Props = Record<string, string | number | boolean | undefined | null | EventListener>;

/** A child of {@link h}: nodes, text, or nothing (skipped). */
export type Child = Node | string | number | false | null | undefined | readonly Child[];

/** Creates an element with attributes (`on…` keys add listeners, `style` is set as CSS text) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') el.addEventListener(key.slice(2).toLowerCase(), value);
    // Through the CSSOM, which the page's Content-Security-Policy allows; a style attribute it refuses.
    else if (key === 'style') el.style.cssText = String(value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

/** Appends children (flattening arrays, skipping empty ones). */
export function append(parent: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (typeof child === 'string' || typeof child === 'number') parent.appendChild(document.createTextNode(String(child)));
    else if (child instanceof Node) parent.appendChild(child);
    else append(parent, child);
  }
}

/** Replaces every child of `parent`. */
export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** A "nothing here yet" block with a title, an explanation and optional actions. */
export function emptyState(title: string, body: Child, ...actions: Child[]): HTMLElement {
  return h('div', { class: 'empty' }, h('h3', {}, title), h('div', { class: 'empty-body' }, body), actions.length > 0 ? h('div', { class: 'actions' }, ...actions) : null);
}

/** An inline error block. */
export function errorBox(message: string, ...actions: Child[]): HTMLElement {
  return h('div', { class: 'error-box', role: 'alert' }, h('span', {}, message), ...actions);
}

/** A placeholder shown while a request runs. */
export function loading(what = 'Loading'): HTMLElement {
  return h('div', { class: 'loading', 'aria-busy': 'true' }, `${what}…`);
}

/** A `<code>` block that can be copied. */
export function command(text: string): HTMLElement {
  return h('pre', { class: 'command' }, h('code', {}, text));
}

/** Formats ms since epoch as a short local date-time. */
export function formatTime(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? '–' : d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/** Formats a number with `digits` decimals, or a dash. */
export function fmt(value: number | undefined | null, digits = 4): string {
  return value === undefined || value === null || Number.isNaN(value) ? '–' : value.toFixed(digits);
}
