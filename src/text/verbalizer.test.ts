/**
 * Verbaliser: item descriptions, event sentences and histories for the preset templates.
 * @module
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.js';
import type { Event, EventType, Item, StoredEvent } from '../core/types.js';
import {
  collectItemTags,
  createVerbalizer,
  extendTemplate,
  MOVIE_TEMPLATE,
  NEWS_TEMPLATE,
  rankTags,
  RETAIL_TEMPLATE,
  truncateText,
} from './verbalizer.js';

const HEAT: Item = {
  id: '6',
  title: 'Heat (1995)',
  text: 'A group of professional bank robbers start to feel the heat from police when they unknowingly leave a clue at their latest heist.',
  attributes: { genres: ['Crime', 'Thriller'], year: 1995, keywords: ['heist', 'los angeles'], imdbId: '0113277', runtime: 170 },
};

function ev(type: EventType, extra: Partial<Event> = {}): Event {
  return { userId: 'u1', itemId: '6', type, timestamp: 1_000, ...extra };
}

describe('item descriptions', () => {
  const v = createVerbalizer();

  it('writes title, genres, text, keywords and user tags in template order', () => {
    expect(v.item(HEAT, { tags: ['atmospheric', 'great soundtrack'] })).toBe(
      'Heat (1995). Crime, Thriller. A group of professional bank robbers start to feel the heat from police when they ' +
        'unknowingly leave a clue at their latest heist. Keywords: heist, los angeles. Tagged: atmospheric, great soundtrack.',
    );
  });

  it('adds tagline and language names, and skips ids and numbers that are not description', () => {
    const item: Item = { ...HEAT, attributes: { ...HEAT.attributes, tagline: 'A Los Angeles Crime Saga', language: 'fr' } };
    const text = v.item(item);
    expect(text).toContain('Crime, Thriller. A Los Angeles Crime Saga. A group');
    expect(text).toMatch(/Language: French\.$/);
    expect(text).not.toContain('0113277');
    expect(text).not.toContain('170');
  });

  it('deduplicates user tags case-insensitively, most frequent first, ties in first-seen order', () => {
    const text = v.item(HEAT, { tags: ['heist', 'Al Pacino', 'atmospheric', 'al pacino', 'ATMOSPHERIC', 'al pacino', '  '] });
    expect(text).toMatch(/Tagged: Al Pacino, atmospheric, heist\.$/);
    expect(rankTags(['b', 'a', 'B', 'c', 'a', 'A'])).toEqual(['a', 'b', 'c']);
  });

  it('keeps the year of the title and does not duplicate it; adds it when the title has none', () => {
    expect(v.title(HEAT)).toBe('Heat (1995)');
    expect(v.title({ id: '1', title: 'Babylon 5', attributes: { year: 1993 } })).toBe('Babylon 5 (1993)');
    expect(v.title({ id: '1', title: 'Blade Runner 2049', attributes: { year: 2017 } })).toBe('Blade Runner 2049 (2017)');
    expect(v.title({ id: '1', title: 'Fawlty Towers (1975-1979)', attributes: { year: 1975 } })).toBe('Fawlty Towers (1975-1979)');
    expect(v.title({ id: '1', title: 'No Year Known' })).toBe('No Year Known');
    expect(createVerbalizer(RETAIL_TEMPLATE).title({ id: '1', title: 'Shoe', attributes: { year: 2020 } })).toBe('Shoe');
  });

  it('moves the trailing article of catalogue titles to the front', () => {
    const title = (t: string): string => v.title({ id: 'x', title: t });
    expect(title('American President, The (1995)')).toBe('The American President (1995)');
    expect(title('Misérables, Les (1995)')).toBe('Les Misérables (1995)');
    expect(title('City of Lost Children, The (Cité des enfants perdus, La) (1995)')).toBe(
      'The City of Lost Children (Cité des enfants perdus, La) (1995)',
    );
    expect(title("Homme qui aimait les femmes, L' (1977)")).toBe("L'Homme qui aimait les femmes (1977)");
    expect(title('Lord of the Rings: The Return of the King, The (2003)')).toBe('The Lord of the Rings: The Return of the King (2003)');
    expect(title('Good, the Bad and the Ugly, The (1966)')).toBe('The Good, the Bad and the Ugly (1966)');
    expect(title('Airplane!')).toBe('Airplane!');
    expect(title('Crouching Tiger, Hidden Dragon (2000)')).toBe('Crouching Tiger, Hidden Dragon (2000)');
    expect(createVerbalizer(RETAIL_TEMPLATE).title({ id: 'x', title: 'Bag, The' })).toBe('Bag, The');
  });

  it('ends each part with one full stop, whatever punctuation it had', () => {
    const item: Item = { id: '1', title: 'Airplane! (1980)', text: 'What a flight!', attributes: { genres: [], tagline: 'What did you expect?' } };
    expect(v.item(item)).toBe('Airplane! (1980). What did you expect? What a flight!');
    expect(v.item({ id: '2', title: 'Airplane!' })).toBe('Airplane!');
  });

  it('cuts long text at a word boundary to the template limit', () => {
    const short = createVerbalizer(extendTemplate(MOVIE_TEMPLATE, { maxTextChars: 40 }));
    expect(short.item({ id: '6', title: 'Heat (1995)', text: HEAT.text })).toBe('Heat (1995). A group of professional bank robbers…');
    expect(truncateText('short text', 40)).toBe('short text');
    expect(truncateText('one two three', 8)).toBe('one two…');
    expect(truncateText('supercalifragilistic', 10)).toBe('supercalif…');
    expect(truncateText('a, b, c, d', 5)).toBe('a, b…');
  });

  it('collapses whitespace and newlines of the text', () => {
    expect(v.item({ id: '1', title: 'X', text: ' line one\n\n line   two ' })).toBe('X. line one line two.');
  });

  it('describes retail items with category, brand, price and other attributes', () => {
    const shop = createVerbalizer(RETAIL_TEMPLATE);
    const item: Item = {
      id: 'p1',
      title: 'Trail Runner 2',
      text: 'Light running shoe for rough trails.',
      attributes: { category: ['Shoes', 'Running'], brand: 'Acme', price: 89.5, color: 'blue', keywords: ['waterproof', 'grip'], tags: ['comfy'] },
    };
    expect(shop.item(item, { tags: ['comfy', 'runs small'] })).toBe(
      'Trail Runner 2. Category: Shoes, Running. Brand: Acme. Price: $89.50. Light running shoe for rough trails. ' +
        'Features: waterproof, grip. Colour: blue. Tags: comfy, runs small.',
    );
    expect(shop.item({ id: 'p2', title: 'Mug', attributes: { price: 12, currency: 'EUR' } })).toBe('Mug. Price: 12 EUR.');
    expect(shop.item({ id: 'p3', title: 'Mug', attributes: { price: 'from 9 €' } })).toBe('Mug. Price: from 9 €.');
    expect(shop.item({ id: 'p4', title: 'Mug', attributes: { price: null, brand: { nested: true } } })).toBe('Mug.');
  });

  it('describes news with topics, source and author', () => {
    const news = createVerbalizer(NEWS_TEMPLATE);
    const item: Item = { id: 'n1', title: 'Rates rise again', text: 'The central bank raised rates.', attributes: { topics: ['economy'], source: 'Daily', author: ['A. Writer', 'B. Writer'] } };
    expect(news.item(item)).toBe('Rates rise again. Topics: economy. The central bank raised rates. Source: Daily. By: A. Writer, B. Writer.');
  });

  it('limits lists to maxListItems', () => {
    const keywords = Array.from({ length: 20 }, (_, i) => `k${i}`);
    const text = v.item({ id: '1', title: 'X', attributes: { keywords } });
    expect(text).toBe(`X. Keywords: ${keywords.slice(0, MOVIE_TEMPLATE.maxListItems).join(', ')}.`);
  });

  it('uses the id when the title is empty', () => {
    expect(v.item({ id: 'item-9', title: '  ' })).toBe('item-9.');
  });
});

describe('event sentences', () => {
  const v = createVerbalizer();

  it('writes every event type in the first person', () => {
    const cases: [Event, string | undefined][] = [
      [ev('rating', { value: 5 }), 'I rated *Heat (1995)* 5/5.'],
      [ev('rating', { value: 2.5 }), 'I rated *Heat (1995)* 2.5/5.'],
      [ev('rating'), 'I rated *Heat (1995)*.'],
      [ev('tag', { text: 'dark comedy' }), "I tagged *Heat (1995)* 'dark comedy'."],
      [ev('search', { itemId: undefined, text: 'light comedy' }), "I searched for 'light comedy'."],
      [ev('view'), 'I watched *Heat (1995)*.'],
      [ev('purchase', { value: 2 }), 'I bought *Heat (1995)*.'],
      [ev('like'), 'I liked *Heat (1995)*.'],
      [ev('dislike'), 'I disliked *Heat (1995)*.'],
      [ev('skip'), 'I skipped *Heat (1995)*.'],
      [ev('add-to-cart'), 'I added *Heat (1995)* to my cart.'],
      [ev('review', { text: 'Tense and  long.\nGreat score.' }), 'I reviewed *Heat (1995)*: "Tense and long. Great score."'],
      [ev('review'), 'I reviewed *Heat (1995)*.'],
      [ev('share'), 'I shared *Heat (1995)*.'],
      [ev('click'), 'I clicked *Heat (1995)*.'],
    ];
    for (const [event, expected] of cases) expect(v.event(event, HEAT)).toBe(expected);
  });

  it('uses the item id when the item is unknown, and nothing when there is neither item nor text', () => {
    expect(v.event(ev('rating', { itemId: '999', value: 4 }))).toBe('I rated *999* 4/5.');
    expect(v.event(ev('view', { itemId: undefined }))).toBeUndefined();
    expect(v.event(ev('search', { itemId: undefined }))).toBeUndefined();
    expect(v.event(ev('search', { itemId: undefined, text: '   ' }))).toBeUndefined();
    // An item that is not the event's item is not used.
    expect(v.event(ev('like', { itemId: '7' }), HEAT)).toBe('I liked *7*.');
  });

  it('follows the template: scale, domain verbs and custom phrases', () => {
    const tenPoint = createVerbalizer(extendTemplate(MOVIE_TEMPLATE, { ratingScale: 10 }));
    expect(tenPoint.event(ev('rating', { value: 8 }), HEAT)).toBe('I rated *Heat (1995)* 8/10.');
    expect(createVerbalizer(RETAIL_TEMPLATE).event(ev('view'), { id: '6', title: 'Trail Runner' })).toBe('I viewed *Trail Runner*.');
    expect(createVerbalizer(NEWS_TEMPLATE).event(ev('view'), { id: '6', title: 'Rates rise' })).toBe('I read *Rates rise*.');
    const music = createVerbalizer(extendTemplate(MOVIE_TEMPLATE, { name: 'music', titleYear: false, eventPhrases: { view: 'I listened to {item}.' } }));
    expect(music.event(ev('view'), { id: '6', title: 'Blue Train', attributes: { year: 1957 } })).toBe('I listened to *Blue Train*.');
    expect(music.template.eventPhrases.rating).toEqual(MOVIE_TEMPLATE.eventPhrases.rating);
    const custom = createVerbalizer(extendTemplate(MOVIE_TEMPLATE, { eventPhrases: { rating: ['{item} got {value} of {scale} stars from me ({text}).', '{item}: {value}/{scale}.'] } }));
    expect(custom.event(ev('rating', { value: 3, text: 'fine' }), HEAT)).toBe('*Heat (1995)* got 3 of 5 stars from me (fine).');
    expect(custom.event(ev('rating', { value: 3 }), HEAT)).toBe('*Heat (1995)*: 3/5.');
    expect(custom.event(ev('rating'), HEAT)).toBeUndefined();
  });

  it('never expands placeholders typed by users', () => {
    expect(v.event(ev('search', { itemId: undefined, text: 'films like {item} and {value}' }))).toBe("I searched for 'films like {item} and {value}'.");
  });

  it('scrubs personal data from user text by default, and can keep it', () => {
    const search = ev('search', { itemId: undefined, text: 'mail me at jane@example.com or +44 20 7946 0958' });
    expect(v.event(search)).toBe("I searched for 'mail me at [EMAIL] or [PHONE]'.");
    expect(createVerbalizer(MOVIE_TEMPLATE, { redact: false }).event(search)).toBe("I searched for 'mail me at jane@example.com or +44 20 7946 0958'.");
    const upper = createVerbalizer(MOVIE_TEMPLATE, { redact: (text) => text.toUpperCase() });
    expect(upper.event(ev('tag', { text: 'noir' }), HEAT)).toBe("I tagged *Heat (1995)* 'NOIR'.");
    expect(v.item(HEAT, { tags: ['call 555-123-4567'] })).toMatch(/Tagged: call \[PHONE\]\.$/);
  });

  it('shortens long event text', () => {
    const text = 'word '.repeat(100);
    const sentence = v.event(ev('review', { text }), HEAT) ?? '';
    expect(sentence.length).toBeLessThan(MOVIE_TEMPLATE.maxEventTextChars + 40);
    expect(sentence).toMatch(/word…"$/);
  });

  it('rejects templates with a non-positive limit', () => {
    expect(() => createVerbalizer(extendTemplate(MOVIE_TEMPLATE, { ratingScale: 0 }))).toThrow(ValidationError);
    expect(() => createVerbalizer(extendTemplate(MOVIE_TEMPLATE, { maxTextChars: Number.NaN }))).toThrow(/maxTextChars/);
  });
});

describe('history', () => {
  const v = createVerbalizer();
  const items = new Map<string, Item>([
    ['6', HEAT],
    ['1', { id: '1', title: 'Toy Story (1995)' }],
  ]);

  it('joins the most recent events, oldest first', () => {
    const events: Event[] = [
      { userId: 'u', itemId: '1', type: 'rating', value: 4, timestamp: 3_000 },
      { userId: 'u', itemId: '6', type: 'rating', value: 5, timestamp: 1_000 },
      { userId: 'u', type: 'search', text: 'light comedy', timestamp: 2_000 },
      { userId: 'u', itemId: '6', type: 'tag', text: 'atmospheric', timestamp: 4_000 },
    ];
    expect(v.history(events, items)).toBe(
      "I rated *Heat (1995)* 5/5. I searched for 'light comedy'. I rated *Toy Story (1995)* 4/5. I tagged *Heat (1995)* 'atmospheric'.",
    );
    expect(v.history(events, items, { maxEvents: 2 })).toBe("I rated *Toy Story (1995)* 4/5. I tagged *Heat (1995)* 'atmospheric'.");
    expect(v.history(events, items, { maxEvents: 0 })).toBe('');
    expect(v.history([], items)).toBe('');
  });

  it('counts only events that have a sentence, and orders ties by sequence number', () => {
    const events: StoredEvent[] = [
      { seq: 2, userId: 'u', itemId: '1', type: 'like', timestamp: 5 },
      { seq: 1, userId: 'u', itemId: '6', type: 'like', timestamp: 5 },
      { seq: 3, userId: 'u', type: 'search', timestamp: 6 },
    ];
    expect(v.history(events, items, { maxEvents: 2 })).toBe('I liked *Heat (1995)*. I liked *Toy Story (1995)*.');
  });

  it('keeps the default of 20 events', () => {
    const events: Event[] = Array.from({ length: 30 }, (_, i) => ({ userId: 'u', itemId: String(i), type: 'view' as const, timestamp: i }));
    const text = v.history(events, new Map());
    expect(text.split('. ').length).toBe(20);
    expect(text.startsWith('I watched *10*.')).toBe(true);
    expect(text.endsWith('I watched *29*.')).toBe(true);
  });

  it('rejects a bad maxEvents', () => {
    expect(() => v.history([], items, { maxEvents: -1 })).toThrow(ValidationError);
    expect(() => v.history([], items, { maxEvents: 1.5 })).toThrow(ValidationError);
  });
});

describe('collectItemTags', () => {
  it('groups tag texts by item in event order', () => {
    const events: Event[] = [
      { userId: 'a', itemId: '1', type: 'tag', text: 'pixar', timestamp: 1 },
      { userId: 'a', itemId: '1', type: 'rating', value: 4, timestamp: 2 },
      { userId: 'b', itemId: '2', type: 'tag', text: ' noir ', timestamp: 3 },
      { userId: 'b', itemId: '1', type: 'tag', text: 'Pixar', timestamp: 4 },
      { userId: 'b', type: 'tag', text: 'orphan', timestamp: 5 },
      { userId: 'b', itemId: '3', type: 'tag', text: ' ', timestamp: 6 },
    ];
    expect([...collectItemTags(events)]).toEqual([
      ['1', ['pixar', 'Pixar']],
      ['2', ['noir']],
    ]);
  });
});
