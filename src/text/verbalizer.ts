/**
 * Verbalisation (C4): items become short descriptions and behaviours become first-person sentences,
 * the text that sentence encoders read to place items and users in one space.
 *
 * Everything here is pure and deterministic. What a domain says ("I watched" or "I read", which
 * attributes to show and in which order, the rating scale) lives in a {@link DomainTemplate};
 * {@link MOVIE_TEMPLATE} is the default, {@link RETAIL_TEMPLATE} and {@link NEWS_TEMPLATE} are
 * presets, and {@link extendTemplate} derives new ones.
 *
 * @example
 * ```ts
 * const verbalizer = createVerbalizer();
 * verbalizer.item(heat, { tags: ['atmospheric', 'great soundtrack'] });
 * // 'Heat (1995). Crime, Thriller. A group of professional bank robbers … Keywords: heist, los angeles. Tagged: atmospheric, great soundtrack.'
 * verbalizer.event({ userId: 'u1', itemId: '6', type: 'rating', value: 5, timestamp: 0 }, heat);
 * // 'I rated *Heat (1995)* 5/5.'
 * ```
 * @module
 */
import { ValidationError } from '../core/errors.js';
import type { Event, EventType, Item, JsonValue } from '../core/types.js';
import { scrubPii } from './scrub-pii.js';

/** A built-in part of an item description. */
export type ItemFieldName = 'title' | 'categories' | 'tagline' | 'text' | 'keywords' | 'brand' | 'price' | 'language' | 'tags';

/** Any other attribute shown as `Label: value.` (strings, numbers, booleans and lists of them). */
export interface AttributeField {
  /** Attribute key in `item.attributes`. */
  attribute: string;
  /** Label written before the value; the attribute key when absent. */
  label?: string;
}

/** One part of an item description, in the order of {@link DomainTemplate.itemFields}. */
export type ItemField = ItemFieldName | AttributeField;

/**
 * The sentence for one event type: a phrase, or alternatives tried in order. Placeholders:
 * `{item}` (the item's title in `*…*`, or its id when the item is unknown), `{value}` (the event
 * value as given), `{scale}` (the template's rating scale) and `{text}` (the event text, shortened
 * and redacted). An alternative is used only when every placeholder it names has a value; when none
 * can be used the event has no sentence.
 */
export type EventPhrase = string | readonly string[];

/** How one domain talks about its items and behaviours. */
export interface DomainTemplate {
  /** Name for logs and cache keys (`movie`, `retail`, `news`, …). */
  readonly name: string;
  /** Which parts an item description has, in order. */
  readonly itemFields: readonly ItemField[];
  /** Label per built-in part; an empty or missing label writes the value alone. */
  readonly labels: Readonly<Partial<Record<ItemFieldName, string>>>;
  /** Attribute keys searched, in order, for the item's categories (the first present wins). */
  readonly categoryAttributes: readonly string[];
  /** Append `(year)` from `attributes.year` to a title that has no year of its own. */
  readonly titleYear: boolean;
  /** Turn catalogue titles such as `American President, The (1995)` into `The American President (1995)`. */
  readonly moveTrailingArticle: boolean;
  /** Maximum of the rating scale, written as `{scale}` (`I rated *X* 4/5.`). */
  readonly ratingScale: number;
  /** Item text longer than this many characters is cut at a word boundary and ends with `…`. */
  readonly maxTextChars: number;
  /** Same limit for the text of an event (review body, search query, tag). */
  readonly maxEventTextChars: number;
  /** At most this many keywords, tags or list values per part. */
  readonly maxListItems: number;
  /** Written before a numeric price that has no `currency` attribute. */
  readonly currencySymbol: string;
  /** Sentence per event type. */
  readonly eventPhrases: Readonly<Record<EventType, EventPhrase>>;
}

/** Changes to a template for {@link extendTemplate}; `labels` and `eventPhrases` merge key by key. */
export type DomainTemplateOverrides = Partial<Omit<DomainTemplate, 'labels' | 'eventPhrases'>> & {
  /** Labels to change. */
  labels?: Partial<Record<ItemFieldName, string>>;
  /** Event sentences to change. */
  eventPhrases?: Partial<Record<EventType, EventPhrase>>;
};

/** Event sentences shared by the presets; each preset changes only its own wording. */
const COMMON_PHRASES: Readonly<Record<EventType, EventPhrase>> = {
  view: 'I viewed {item}.',
  click: 'I clicked {item}.',
  'add-to-cart': 'I added {item} to my cart.',
  purchase: 'I bought {item}.',
  rating: ['I rated {item} {value}/{scale}.', 'I rated {item}.'],
  review: ['I reviewed {item}: "{text}"', 'I reviewed {item}.'],
  search: ["I searched for '{text}'."],
  like: 'I liked {item}.',
  share: 'I shared {item}.',
  skip: 'I skipped {item}.',
  dislike: 'I disliked {item}.',
  tag: ["I tagged {item} '{text}'.", 'I tagged {item}.'],
};

/**
 * Films and series (the default): title with year, genres, tagline, overview, keywords, language,
 * user tags; "I watched".
 */
export const MOVIE_TEMPLATE: DomainTemplate = Object.freeze({
  name: 'movie',
  itemFields: Object.freeze(['title', 'categories', 'tagline', 'text', 'keywords', 'brand', 'price', 'language', 'tags'] as const),
  labels: Object.freeze({ keywords: 'Keywords', tags: 'Tagged', brand: 'Brand', price: 'Price', language: 'Language' }),
  categoryAttributes: Object.freeze(['genres', 'genre', 'categories', 'category']),
  titleYear: true,
  moveTrailingArticle: true,
  ratingScale: 5,
  maxTextChars: 400,
  maxEventTextChars: 200,
  maxListItems: 8,
  currencySymbol: '$',
  eventPhrases: Object.freeze({ ...COMMON_PHRASES, view: 'I watched {item}.' }),
});

/** Shops: title, category, brand, price, description, features, tags; "I viewed", "I bought". */
export const RETAIL_TEMPLATE: DomainTemplate = Object.freeze({
  name: 'retail',
  itemFields: Object.freeze([
    'title',
    'categories',
    'brand',
    'price',
    'text',
    'keywords',
    Object.freeze({ attribute: 'color', label: 'Colour' }),
    Object.freeze({ attribute: 'size', label: 'Size' }),
    'language',
    'tags',
  ] as const),
  labels: Object.freeze({ categories: 'Category', keywords: 'Features', tags: 'Tags', brand: 'Brand', price: 'Price', language: 'Language' }),
  categoryAttributes: Object.freeze(['category', 'categories', 'department']),
  titleYear: false,
  moveTrailingArticle: false,
  ratingScale: 5,
  maxTextChars: 300,
  maxEventTextChars: 200,
  maxListItems: 8,
  currencySymbol: '$',
  eventPhrases: Object.freeze({ ...COMMON_PHRASES }),
});

/** News and articles: headline, topics, summary, keywords, source, author; "I read". */
export const NEWS_TEMPLATE: DomainTemplate = Object.freeze({
  name: 'news',
  itemFields: Object.freeze([
    'title',
    'categories',
    'text',
    'keywords',
    Object.freeze({ attribute: 'source', label: 'Source' }),
    Object.freeze({ attribute: 'author', label: 'By' }),
    'language',
    'tags',
  ] as const),
  labels: Object.freeze({ categories: 'Topics', keywords: 'Keywords', tags: 'Tagged', language: 'Language' }),
  categoryAttributes: Object.freeze(['topics', 'topic', 'category', 'categories', 'section']),
  titleYear: false,
  moveTrailingArticle: false,
  ratingScale: 5,
  maxTextChars: 500,
  maxEventTextChars: 200,
  maxListItems: 8,
  currencySymbol: '$',
  eventPhrases: Object.freeze({ ...COMMON_PHRASES, view: 'I read {item}.', 'add-to-cart': 'I saved {item} for later.', purchase: 'I subscribed to {item}.' }),
});

/**
 * A copy of `base` with `overrides` applied; `labels` and `eventPhrases` merge key by key.
 *
 * @example
 * ```ts
 * const music = extendTemplate(MOVIE_TEMPLATE, { name: 'music', titleYear: false, eventPhrases: { view: 'I listened to {item}.' } });
 * ```
 */
export function extendTemplate(base: DomainTemplate, overrides: DomainTemplateOverrides): DomainTemplate {
  return Object.freeze({
    ...base,
    ...overrides,
    labels: Object.freeze({ ...base.labels, ...overrides.labels }),
    eventPhrases: Object.freeze({ ...base.eventPhrases, ...overrides.eventPhrases }),
  });
}

/** Options of {@link createVerbalizer}. */
export interface VerbalizerOptions {
  /**
   * Applied to text that users wrote (review bodies, search queries, tags) before it enters a
   * sentence. Defaults to {@link scrubPii}, so verbalised behaviour never carries e-mail addresses,
   * phone or card numbers; `false` keeps the text as written.
   */
  redact?: ((text: string) => string) | false;
}

/** Options of {@link Verbalizer.history}. */
export interface HistoryOptions {
  /** How many of the most recent events that have a sentence to keep; 20 by default. */
  maxEvents?: number;
}

/** Extra, per-call input for an item description. */
export interface ItemExtras {
  /** Tags users gave the item, repeats included: shown deduplicated, most frequent first. */
  tags?: readonly string[];
  /**
   * What reviewers talk about (from {@link extractAspects} over the item's reviews), highest weight
   * first: written after the template's parts as `Reviewers praise: … Reviewers criticise: …`.
   */
  aspects?: readonly { phrase: string; sentiment: number }[];
}

/** Turns items and behaviours into text; made by {@link createVerbalizer}. */
export interface Verbalizer {
  /** The template in use. */
  readonly template: DomainTemplate;
  /** The item's title as written in sentences (trailing article moved, year added per template). */
  title(item: Item): string;
  /** A description of the item: title, categories, tagline, text, keywords, …, tags. */
  item(item: Item, extras?: ItemExtras): string;
  /**
   * A first-person sentence for the event, or undefined when the template has none that fits
   * (a search without text, a view without an item). `item` is the event's item; an item with
   * another id is ignored and the event's item id is written instead.
   */
  event(event: Event, item?: Item): string | undefined;
  /** The sentences of the most recent events (by timestamp), oldest first, joined by spaces. */
  history(events: readonly Event[], itemsById: ReadonlyMap<string, Item>, options?: HistoryOptions): string;
}

/** Aspect sentiment beyond which an aspect counts as praised or criticised rather than mentioned. */
const ASPECT_POLARITY = 0.15;

/** Default number of events in {@link Verbalizer.history}. */
export const DEFAULT_HISTORY_EVENTS = 20;

const ARTICLES = ['The', 'A', 'An', 'Le', 'La', 'Les', "L'", 'Il', 'Lo', 'Gli', 'I', 'El', 'Los', 'Las', 'Der', 'Die', 'Das', 'Den', 'Det', 'De', 'Het', 'Un', 'Une', 'Ein', 'Eine'];
/** `Title, The (alt title) (1995)`: the first `, Article` that only parenthesised groups follow. */
const TRAILING_ARTICLE = new RegExp(`^(.+?), (${ARTICLES.map((a) => a.replace("'", "\\'")).join('|')})((?:\\s*\\([^()]*\\))*)\\s*$`);
/** A year in parentheses anywhere after the main title, e.g. `(1995)` or `(2006-2007)`. */
const TITLE_HAS_YEAR = /\(\s*(?:1[89]|2\d)\d\d\s*(?:[–-]\s*(?:\d{4})?)?\s*\)/;
const PLACEHOLDER = /\{(item|value|scale|text)\}/g;
const SENTENCE_END = /[.!?…]["'”’)\]]*$/;

let languageNames: Intl.DisplayNames | null | undefined;

/** English name of an ISO 639 code (`en` → `English`); the code itself when unknown. */
function languageName(code: string): string {
  if (!/^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/.test(code)) return code;
  if (languageNames === undefined) {
    try {
      languageNames = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'code' });
    } catch {
      languageNames = null;
    }
  }
  try {
    return languageNames?.of(code) ?? code;
  } catch {
    return code;
  }
}

/** Collapses whitespace runs (newlines in overviews) into single spaces. */
function clean(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** `text` ending with a full stop unless it already ends a sentence. */
function sentence(text: string): string {
  return SENTENCE_END.test(text) ? text : `${text}.`;
}

/**
 * `text` cut to at most `max` characters at a word boundary, with `…` appended when cut.
 * A single word longer than half the limit is cut inside the word rather than dropped.
 */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  const head = text.slice(0, max + 1);
  const space = head.lastIndexOf(' ');
  const cut = space >= max / 2 ? head.slice(0, space) : text.slice(0, max);
  return `${cut.replace(/[\s,;:–—-]+$/, '')}…`;
}

/** Strings of a string, number or list attribute; other shapes give nothing. */
function listOf(value: JsonValue | undefined): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.flatMap((v) => (typeof v === 'string' || typeof v === 'number' ? [clean(String(v))] : [])).filter((v) => v !== '');
  if (typeof value === 'string') return clean(value) === '' ? [] : [clean(value)];
  if (typeof value === 'number' || typeof value === 'boolean') return [String(value)];
  return [];
}

/** Deduplicates case-insensitively, most frequent first, ties by first appearance; keeps the first spelling. */
export function rankTags(tags: readonly string[]): string[] {
  const counts = new Map<string, { label: string; count: number; first: number }>();
  tags.forEach((tag, index) => {
    const label = clean(tag);
    if (label === '') return;
    const key = label.toLowerCase();
    const entry = counts.get(key);
    if (entry === undefined) counts.set(key, { label, count: 1, first: index });
    else entry.count += 1;
  });
  return [...counts.values()].sort((a, b) => b.count - a.count || a.first - b.first).map((entry) => entry.label);
}

/**
 * The tag texts of `tag` events grouped by item id, in event order, for {@link ItemExtras.tags}.
 * Events without an item or text are ignored.
 */
export function collectItemTags(events: Iterable<Event>): Map<string, string[]> {
  const byItem = new Map<string, string[]>();
  for (const event of events) {
    if (event.type !== 'tag' || event.itemId === undefined || event.text === undefined) continue;
    const text = clean(event.text);
    if (text === '') continue;
    const tags = byItem.get(event.itemId);
    if (tags === undefined) byItem.set(event.itemId, [text]);
    else tags.push(text);
  }
  return byItem;
}

function validateTemplate(template: DomainTemplate): void {
  const positive = (name: string, value: number): void => {
    if (!(Number.isFinite(value) && value > 0)) {
      throw new ValidationError(`template ${template.name}: ${name} must be a positive number, got ${String(value)}`, { details: { field: name, value } });
    }
  };
  positive('ratingScale', template.ratingScale);
  positive('maxTextChars', template.maxTextChars);
  positive('maxEventTextChars', template.maxEventTextChars);
  positive('maxListItems', template.maxListItems);
}

/**
 * Creates a verbaliser for one domain. Throws {@link ValidationError} when a template limit is not
 * a positive number.
 *
 * @example
 * ```ts
 * const v = createVerbalizer(RETAIL_TEMPLATE);
 * const shoe = { id: 'p1', title: 'Trail Runner 2', attributes: { category: 'Shoes', brand: 'Acme', price: 89.5 } };
 * v.item(shoe);
 * // 'Trail Runner 2. Category: Shoes. Brand: Acme. Price: $89.50.'
 * v.event({ userId: 'u', itemId: 'p1', type: 'add-to-cart', timestamp: 0 }, shoe);
 * // 'I added *Trail Runner 2* to my cart.'
 * v.history(events, new Map([[shoe.id, shoe]]), { maxEvents: 10 });
 * // 'I viewed *Trail Runner 2*. I added *Trail Runner 2* to my cart.'
 * ```
 */
export function createVerbalizer(template: DomainTemplate = MOVIE_TEMPLATE, options: VerbalizerOptions = {}): Verbalizer {
  validateTemplate(template);
  const redact = options.redact === false ? (text: string) => text : (options.redact ?? ((text: string) => scrubPii(text).text));
  const maxList = Math.floor(template.maxListItems);

  function title(item: Item): string {
    let text = clean(item.title) || item.id;
    if (template.moveTrailingArticle) {
      const match = TRAILING_ARTICLE.exec(text);
      if (match !== null) {
        const article = match[2];
        text = `${article}${article.endsWith("'") ? '' : ' '}${match[1]}${match[3]}`;
      }
    }
    const year = item.attributes?.year;
    if (template.titleYear && typeof year === 'number' && Number.isInteger(year) && !TITLE_HAS_YEAR.test(text)) {
      text = `${text} (${year})`;
    }
    return text;
  }

  function labelled(name: ItemFieldName, value: string): string {
    const label = template.labels[name];
    return sentence(label === undefined || label === '' ? value : `${label}: ${value}`);
  }

  function price(item: Item): string | undefined {
    const value = item.attributes?.price;
    const currency = item.attributes?.currency;
    if (typeof value === 'number' && Number.isFinite(value)) {
      const amount = Number.isInteger(value) ? String(value) : value.toFixed(2);
      return typeof currency === 'string' && currency.trim() !== '' ? `${amount} ${clean(currency)}` : `${template.currencySymbol}${amount}`;
    }
    if (typeof value === 'string' && clean(value) !== '') return clean(value);
    return undefined;
  }

  function field(item: Item, spec: ItemField, extras: ItemExtras | undefined): string | undefined {
    const attributes = item.attributes ?? {};
    if (typeof spec === 'object') {
      const values = listOf(attributes[spec.attribute]).slice(0, maxList);
      return values.length === 0 ? undefined : sentence(`${spec.label ?? spec.attribute}: ${values.join(', ')}`);
    }
    switch (spec) {
      case 'title':
        return sentence(title(item));
      case 'categories': {
        for (const key of template.categoryAttributes) {
          const values = listOf(attributes[key]).slice(0, maxList);
          if (values.length > 0) return labelled('categories', values.join(', '));
        }
        return undefined;
      }
      case 'tagline': {
        const tagline = listOf(attributes.tagline)[0];
        return tagline === undefined ? undefined : labelled('tagline', tagline);
      }
      case 'text': {
        const text = item.text === undefined ? '' : clean(item.text);
        return text === '' ? undefined : labelled('text', truncateText(text, template.maxTextChars));
      }
      case 'keywords': {
        const keywords = rankTags(listOf(attributes.keywords)).slice(0, maxList);
        return keywords.length === 0 ? undefined : labelled('keywords', keywords.join(', '));
      }
      case 'brand': {
        const brand = listOf(attributes.brand)[0];
        return brand === undefined ? undefined : labelled('brand', brand);
      }
      case 'price': {
        const text = price(item);
        return text === undefined ? undefined : labelled('price', text);
      }
      case 'language': {
        const code = listOf(attributes.language)[0];
        return code === undefined ? undefined : labelled('language', languageName(code));
      }
      case 'tags': {
        const tags = rankTags([...listOf(attributes.tags), ...(extras?.tags ?? [])].map(redact)).slice(0, maxList);
        return tags.length === 0 ? undefined : labelled('tags', tags.join(', '));
      }
    }
  }

  function describe(item: Item, extras?: ItemExtras): string {
    const parts: string[] = [];
    for (const spec of template.itemFields) {
      const part = field(item, spec, extras);
      if (part !== undefined) parts.push(part);
    }
    const aspects = extras?.aspects ?? [];
    const praised = aspects.filter((a) => a.sentiment > ASPECT_POLARITY).map((a) => redact(a.phrase)).slice(0, maxList);
    const criticised = aspects.filter((a) => a.sentiment < -ASPECT_POLARITY).map((a) => redact(a.phrase)).slice(0, maxList);
    const mentioned = aspects.filter((a) => Math.abs(a.sentiment) <= ASPECT_POLARITY).map((a) => redact(a.phrase)).slice(0, maxList);
    if (praised.length > 0) parts.push(sentence(`Reviewers praise: ${praised.join(', ')}`));
    if (criticised.length > 0) parts.push(sentence(`Reviewers criticise: ${criticised.join(', ')}`));
    if (mentioned.length > 0) parts.push(sentence(`Reviewers mention: ${mentioned.join(', ')}`));
    return parts.join(' ');
  }

  function event(e: Event, item?: Item): string | undefined {
    const known = item !== undefined && (e.itemId === undefined || item.id === e.itemId) ? item : undefined;
    const itemText = known !== undefined ? `*${title(known)}*` : e.itemId !== undefined && e.itemId !== '' ? `*${e.itemId}*` : undefined;
    const valueText = typeof e.value === 'number' && Number.isFinite(e.value) ? String(e.value) : undefined;
    const rawText = e.text === undefined ? '' : clean(redact(clean(e.text)));
    const eventText = rawText === '' ? undefined : truncateText(rawText, template.maxEventTextChars);
    const values: Record<string, string | undefined> = { item: itemText, value: valueText, scale: String(template.ratingScale), text: eventText };
    const phrase = template.eventPhrases[e.type] as EventPhrase | undefined;
    const alternatives = phrase === undefined ? [] : typeof phrase === 'string' ? [phrase] : phrase;
    for (const alternative of alternatives) {
      const names = [...alternative.matchAll(PLACEHOLDER)].map((m) => m[1]);
      if (names.some((name) => values[name] === undefined)) continue;
      // One pass, so a `{text}` typed by a user is never expanded again.
      return alternative.replace(PLACEHOLDER, (_, name: string) => values[name] ?? '');
    }
    return undefined;
  }

  function history(events: readonly Event[], itemsById: ReadonlyMap<string, Item>, historyOptions: HistoryOptions = {}): string {
    const maxEvents = historyOptions.maxEvents ?? DEFAULT_HISTORY_EVENTS;
    if (!(Number.isInteger(maxEvents) && maxEvents >= 0)) {
      throw new ValidationError(`maxEvents must be a non-negative integer, got ${String(maxEvents)}`, { details: { field: 'maxEvents', value: maxEvents } });
    }
    const order = events.map((_, index) => index);
    const seqOf = (e: Event): number => ('seq' in e && typeof e.seq === 'number' ? e.seq : 0);
    order.sort((a, b) => events[a].timestamp - events[b].timestamp || seqOf(events[a]) - seqOf(events[b]) || a - b);
    const sentences: string[] = [];
    for (let at = order.length - 1; at >= 0 && sentences.length < maxEvents; at -= 1) {
      const e = events[order[at]];
      const text = event(e, e.itemId === undefined ? undefined : itemsById.get(e.itemId));
      if (text !== undefined) sentences.push(text);
    }
    return sentences.reverse().join(' ');
  }

  return { template, title, item: describe, event, history };
}
