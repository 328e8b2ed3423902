/**
 * Keyword search over item texts: a BM25 inverted index of titles, descriptions and descriptive
 * attributes (genres, tags, …). What answers natural-language requests while no semantic model is
 * trained: it matches words, not meaning, and says so.
 *
 * @example
 * const index = new KeywordIndex();
 * index.add({ id: 'm1', title: 'Toy Story', text: 'A cowboy doll is threatened by a new spaceman toy.' });
 * index.search('cowboy toys', 10); // [{ id: 'm1', score: …, matched: ['cowboy', 'toy'] }]
 * @module
 */

/** One document: an item's words. */
export interface KeywordDocument {
  id: string;
  title: string;
  /** Description, plot, … */
  text?: string;
  /** Descriptive attribute values (genres, tags, brand, …). */
  facets?: readonly string[];
}

/** One search result. */
export interface KeywordHit {
  id: string;
  /** BM25 score (higher is better). */
  score: number;
  /** The query's terms the document contains, in query order. */
  matched: string[];
}

/** Options of {@link KeywordIndex}. */
export interface KeywordIndexOptions {
  /** BM25 term-frequency saturation (default 1.2). */
  k1?: number;
  /** BM25 length normalisation (default 0.75). */
  b?: number;
  /** How many times a title (and facet) word counts against a description word (default 3). */
  titleWeight?: number;
}

const STOP_WORDS = new Set(
  'a an and are as at be but by for from has have i in into is it its me my of on or so that the their them then there these they this to was were what when where which who why will with you your about some something like want looking show find give movie movies film films'.split(
    ' ',
  ),
);

/**
 * The index terms of `text`: lower case without diacritics, split on anything but letters and
 * digits, stop words and one-letter words dropped, a plural `s` removed.
 */
export function keywordTokens(text: string): string[] {
  const out: string[] = [];
  const normalised = text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase();
  for (const raw of normalised.split(/[^\p{L}\p{N}]+/u)) {
    if (raw.length < 2 || STOP_WORDS.has(raw)) continue;
    out.push(raw.length > 3 && raw.endsWith('s') && !raw.endsWith('ss') ? raw.slice(0, -1) : raw);
  }
  return out;
}

/** A BM25 index built by {@link KeywordIndex.add}; see the module description. */
export class KeywordIndex {
  private readonly ids: string[] = [];
  private readonly lengths: number[] = [];
  /** term → [doc, tf, doc, tf, …] */
  private readonly postings = new Map<string, number[]>();
  private totalLength = 0;
  private readonly k1: number;
  private readonly b: number;
  private readonly titleWeight: number;

  constructor(options: KeywordIndexOptions = {}) {
    this.k1 = options.k1 ?? 1.2;
    this.b = options.b ?? 0.75;
    this.titleWeight = options.titleWeight ?? 3;
  }

  /** Documents indexed. */
  get size(): number {
    return this.ids.length;
  }

  /** Adds one document (ids are not checked for repeats: add each once). */
  add(doc: KeywordDocument): void {
    const index = this.ids.length;
    const tf = new Map<string, number>();
    let length = 0;
    const count = (tokens: readonly string[], weight: number): void => {
      for (const t of tokens) tf.set(t, (tf.get(t) ?? 0) + weight);
      length += tokens.length * weight;
    };
    count(keywordTokens(doc.title), this.titleWeight);
    if (doc.facets) count(keywordTokens(doc.facets.join(' ')), this.titleWeight);
    if (doc.text) count(keywordTokens(doc.text), 1);
    this.ids.push(doc.id);
    this.lengths.push(length);
    this.totalLength += length;
    for (const [term, n] of tf) {
      let list = this.postings.get(term);
      if (list === undefined) {
        list = [];
        this.postings.set(term, list);
      }
      list.push(index, n);
    }
  }

  /** The best `k` documents for `query` (none match when no query term is indexed), leaving out `exclude`. */
  search(query: string, k: number, exclude: ReadonlySet<string> = new Set()): KeywordHit[] {
    const terms = [...new Set(keywordTokens(query))];
    const n = this.ids.length;
    if (terms.length === 0 || n === 0) return [];
    const avg = this.totalLength / n || 1;
    const scores = new Map<number, { score: number; matched: string[] }>();
    for (const term of terms) {
      const list = this.postings.get(term);
      if (list === undefined) continue;
      const df = list.length / 2;
      const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
      for (let i = 0; i < list.length; i += 2) {
        const d = list[i];
        const tf = list[i + 1];
        const norm = tf + this.k1 * (1 - this.b + (this.b * this.lengths[d]) / avg);
        const entry = scores.get(d) ?? { score: 0, matched: [] };
        entry.score += (idf * tf * (this.k1 + 1)) / norm;
        entry.matched.push(term);
        scores.set(d, entry);
      }
    }
    return [...scores]
      .filter(([d]) => !exclude.has(this.ids[d]))
      .sort((a, b) => b[1].score - a[1].score || (this.ids[a[0]] < this.ids[b[0]] ? -1 : 1))
      .slice(0, k)
      .map(([d, { score, matched }]) => ({ id: this.ids[d], score, matched }));
  }
}
