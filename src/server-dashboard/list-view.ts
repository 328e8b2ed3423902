/**
 * The dashboard's sortable, filterable lists of the catalogue and the users: storage pages by id as
 * text (`"10" < "9"`), so these routes read the rows (at most {@link MAX_VIEW_ROWS}), order them
 * naturally (numbers inside ids by value), filter them by a text and answer one page with totals.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import type { Item, Storage } from '../index.js';
import type { EventStats } from './event-stats.js';

/** Most rows a list view reads per request; beyond it the answer says `truncated` (first rows by id). */
export const MAX_VIEW_ROWS = 50_000;
/** Most rows of a view page. */
const MAX_PAGE = 500;
/** Most ids one titles request may name. */
const MAX_TITLE_IDS = 500;

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** Natural order: `item-2` before `item-10`, case-insensitive, ties broken by code units (a total order). */
export function naturalCompare(a: string, b: string): number {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** How to cut a view. */
export interface ViewOptions<K extends string> {
  /** Keeps rows whose text contains it (case-insensitive); empty keeps all. */
  q?: string;
  sort: K;
  order: 'asc' | 'desc';
  offset: number;
  limit: number;
}

/** One page of a view with its totals. */
export interface ViewPage<T> {
  rows: T[];
  /** Rows matching the filter. */
  matched: number;
}

/**
 * Filters, sorts and pages `rows`. `text` gives what the filter searches; `key` the sort value of a
 * column (strings in natural order, numbers by value; ties in natural id order via `id`).
 */
export function viewRows<T, K extends string>(rows: readonly T[], options: ViewOptions<K>, text: (row: T) => string, key: (row: T, column: K) => string | number, id: (row: T) => string): ViewPage<T> {
  const needle = (options.q ?? '').trim().toLowerCase();
  const kept = needle === '' ? [...rows] : rows.filter((row) => text(row).toLowerCase().includes(needle));
  const sign = options.order === 'desc' ? -1 : 1;
  kept.sort((a, b) => {
    const x = key(a, options.sort);
    const y = key(b, options.sort);
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : naturalCompare(String(x), String(y));
    return sign * (c || naturalCompare(id(a), id(b)));
  });
  return { rows: kept.slice(options.offset, options.offset + options.limit), matched: kept.length };
}

const viewQuery = (columns: readonly string[]) =>
  ({
    type: 'object',
    properties: {
      q: { type: 'string', maxLength: 512, description: 'keeps rows whose id (or title) contains it, case-insensitive' },
      sort: { type: 'string', enum: [...columns], default: columns[0] },
      order: { type: 'string', enum: ['asc', 'desc'], default: 'asc' },
      offset: { type: 'integer', minimum: 0, default: 0 },
      limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE, default: 50 },
    },
    additionalProperties: false,
  }) as const;

type ItemRow = Pick<Item, 'id' | 'title' | 'available' | 'attributes'>;

/** Registers `GET /v1/dashboard/items`, `GET /v1/dashboard/users` and `GET /v1/dashboard/titles`. */
export function registerListViews(app: FastifyInstance, storage: Storage, stats: EventStats): void {
  app.get<{ Querystring: ViewOptions<'id' | 'title'> }>(
    '/v1/dashboard/items',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['dashboard'],
        summary: 'The catalogue in natural id order (or by title), filtered by id or title, one page with totals',
        description: `Reads at most ${MAX_VIEW_ROWS} items (the first by id); \`truncated\` says when the catalogue holds more.`,
        querystring: viewQuery(['id', 'title']),
      },
    },
    async (request) => {
      const rows: ItemRow[] = [];
      let truncated = false;
      for await (const page of storage.items.scan({ batchSize: 2000 })) {
        for (const it of page) rows.push({ id: it.id, title: it.title, ...(it.available === undefined ? {} : { available: it.available }), ...(it.attributes === undefined ? {} : { attributes: it.attributes }) });
        if (rows.length >= MAX_VIEW_ROWS) {
          truncated = true;
          break;
        }
      }
      const view = viewRows(rows.slice(0, MAX_VIEW_ROWS), request.query, (r) => `${r.id}\u0000${r.title}`, (r, column) => (column === 'title' ? r.title : r.id), (r) => r.id);
      return { items: view.rows, matched: view.matched, total: await storage.items.count(), offset: request.query.offset, truncated };
    },
  );

  app.get<{ Querystring: ViewOptions<'id' | 'events'> }>(
    '/v1/dashboard/users',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['dashboard'],
        summary: 'Users in natural id order (or by event count), filtered by id, one page with totals and event counts',
        description: `Reads at most ${MAX_VIEW_ROWS} users (the first by id); \`truncated\` says when more are stored.`,
        querystring: viewQuery(['id', 'events']),
      },
    },
    async (request) => {
      const ids: string[] = [];
      let after: string | undefined;
      while (ids.length < MAX_VIEW_ROWS) {
        const page = await storage.users.list({ after, limit: 1000 });
        ids.push(...page.map((u) => u.id));
        if (page.length < 1000) break;
        after = page[page.length - 1].id;
      }
      const total = await storage.users.count();
      const kept = ids.slice(0, MAX_VIEW_ROWS);
      const { sort } = request.query;
      // Counting every user's events is needed only to sort by them; otherwise only the page's.
      const counts = sort === 'events' ? await stats.userEvents(kept) : undefined;
      const rows = kept.map((id) => ({ id, events: counts?.get(id) ?? 0 }));
      const view = viewRows(rows, request.query, (r) => r.id, (r, column) => (column === 'events' ? r.events : r.id), (r) => r.id);
      const pageCounts = counts ?? (await stats.userEvents(view.rows.map((r) => r.id)));
      const users = view.rows.map((r) => ({ id: r.id, events: pageCounts.get(r.id) ?? 0 }));
      return { users, matched: view.matched, total, offset: request.query.offset, truncated: total > kept.length };
    },
  );

  app.get<{ Querystring: { ids: string[] } }>(
    '/v1/dashboard/titles',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['dashboard'],
        summary: 'Titles of the items named (unknown ids are left out)',
        querystring: {
          type: 'object',
          properties: { ids: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 512 }, minItems: 1, maxItems: MAX_TITLE_IDS, description: 'item ids, comma-separated or repeated' } },
          required: ['ids'],
          additionalProperties: false,
        },
      },
    },
    async (request) => ({ titles: Object.fromEntries((await storage.items.getMany([...new Set(request.query.ids)])).map((it) => [it.id, it.title])) }),
  );
}
