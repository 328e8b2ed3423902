/**
 * Hash routing (`#/users/42?k=20`): the server only ever serves `/`, so any address can be reloaded
 * or shared. Each page gets the path parameters, the query and a signal that aborts when the visitor
 * leaves the page (stopping its requests, timers and streams).
 * @module
 */

/** What a page is rendered with. */
export interface RouteContext {
  /** Path segments matched by `:name` patterns. */
  params: Record<string, string>;
  query: URLSearchParams;
  /** Aborted when another page is shown. */
  signal: AbortSignal;
}

/** Renders a page into `root`. */
export type PageRenderer = (root: HTMLElement, ctx: RouteContext) => void | Promise<void>;

/** One route. */
export interface Route {
  /** e.g. `/users/:id`. */
  pattern: string;
  /** Which navigation entry to highlight. */
  nav: string;
  render: PageRenderer;
}

/** Navigates to a hash path (`/users/42`). */
export function navigate(path: string): void {
  window.location.hash = `#${path}`;
}

/** A link target for a path. */
export function href(path: string): string {
  return `#${path}`;
}

function match(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/').filter(Boolean);
  const got = path.split('/').filter(Boolean);
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(':')) params[want[i].slice(1)] = decodeURIComponent(got[i]);
    else if (want[i] !== got[i]) return undefined;
  }
  return params;
}

/** Starts routing: renders the page for the current hash now and on every change. */
export function startRouter(routes: readonly Route[], root: HTMLElement, onNavigate: (nav: string) => void, fallback = '/catalogue'): void {
  let controller: AbortController | undefined;
  const show = (): void => {
    const raw = window.location.hash.replace(/^#/, '') || fallback;
    const [path, search = ''] = raw.split('?');
    for (const route of routes) {
      const params = match(route.pattern, path);
      if (!params) continue;
      controller?.abort();
      controller = new AbortController();
      onNavigate(route.nav);
      root.replaceChildren();
      root.scrollTop = 0;
      window.scrollTo(0, 0);
      void Promise.resolve(route.render(root, { params, query: new URLSearchParams(search), signal: controller.signal })).catch((error: unknown) => {
        if (controller?.signal.aborted) return;
        root.append(Object.assign(document.createElement('div'), { className: 'error-box', textContent: error instanceof Error ? error.message : String(error) }));
      });
      return;
    }
    navigate(fallback);
  };
  window.addEventListener('hashchange', show);
  show();
}
